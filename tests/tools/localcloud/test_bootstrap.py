"""Bootstrap creates exactly what resources.py defines, and is idempotent."""

from __future__ import annotations

from chalicelib.core import resources
from chalicelib.core.aws import client
from chalicelib.core.settings import Settings
from infra.streamfeed_infra.alarms import alarm_specs
from infra.streamfeed_infra.dashboard import dashboard_name
from infra.streamfeed_infra.targets import default_targets
from tests.conftest import unique_prefix
from tools.localcloud import LocalCloud
from tools.localcloud.bootstrap import bootstrap, log_group_name


def test_bootstrap_twice_creates_everything_once(local_cloud: LocalCloud) -> None:
    settings = local_cloud.settings(name_prefix=unique_prefix())
    first = bootstrap(settings)
    second = bootstrap(settings)

    expected = {settings.table_name(t.logical) for t in resources.TABLES}
    expected |= {settings.kinesis_stream, settings.dead_letter_queue}
    expected |= {settings.secret_name(s.logical) for s in resources.SECRETS}
    expected |= {log_group_name(settings, c) for c in resources.LOG_GROUPS}
    expected |= {dashboard_name(settings)}
    expected |= {spec.name for spec in alarm_specs(settings, default_targets(settings))}
    assert set(first.created) == expected
    assert first.existing == []
    assert second.created == []
    assert set(second.existing) == expected


def test_tables_match_their_definitions(full_stage: Settings) -> None:
    settings = full_stage
    ddb = client(settings, "dynamodb")
    for spec in resources.TABLES:
        table = ddb.describe_table(TableName=settings.table_name(spec.logical))["Table"]
        assert table["TableStatus"] == "ACTIVE"
        wanted = spec.create_table_input(table["TableName"])
        assert sorted(table["KeySchema"], key=str) == sorted(wanted["KeySchema"], key=str)
        got_indexes = {
            i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"])
            for i in table.get("GlobalSecondaryIndexes", [])
        }
        want_indexes = {
            i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"])
            for i in wanted.get("GlobalSecondaryIndexes", [])
        }
        assert got_indexes == want_indexes, spec.logical


def test_stream_queue_secret_and_logs_are_usable(full_stage: Settings) -> None:
    settings = full_stage
    kinesis = client(settings, "kinesis")
    summary = kinesis.describe_stream_summary(StreamName=settings.kinesis_stream)
    assert summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"
    assert summary["StreamDescriptionSummary"]["OpenShardCount"] == settings.stream_shards

    sqs = client(settings, "sqs")
    url = sqs.get_queue_url(QueueName=settings.dead_letter_queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in received] == ["poison"]

    secret = client(settings, "secretsmanager").get_secret_value(
        SecretId=settings.secret_name("jwt-signing-key")
    )
    assert len(secret["SecretString"]) >= 32

    groups = client(settings, "logs").describe_log_groups(
        logGroupNamePrefix=f"/streamfeed/{settings.prefix}/"
    )["logGroups"]
    assert {g["logGroupName"] for g in groups} == {
        log_group_name(settings, c) for c in resources.LOG_GROUPS
    }
    assert {g.get("retentionInDays") for g in groups} == {resources.LOG_RETENTION_DAYS}
