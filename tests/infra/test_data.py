"""Tables, the stream, the queue and log groups: from resources.py, per stage."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.core import resources
from chalicelib.core.resources import DEAD_LETTER_QUEUE, LOG_RETENTION_DAYS, TWEET_STREAM
from infra.streamfeed_infra.auth import CALLBACK_LOG_GROUP
from tests.infra.support import Synthesized

# The first test builds everything (chalice package, four synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)


def _tables(stack: Synthesized) -> dict[str, dict[str, Any]]:
    found = stack.resources("AWS::DynamoDB::Table", translated=False)
    return {r["Properties"]["TableName"]: r for r in found.values()}


def test_every_table_of_resources_py_is_on_demand_with_pitr(stack: Synthesized) -> None:
    tables = _tables(stack)
    prefix = f"streamfeed-{stack.stage}"
    assert set(tables) == {f"{prefix}-{spec.logical}" for spec in resources.TABLES}
    template = Template.from_json(stack.template)
    for spec in resources.TABLES:
        expected: dict[str, Any] = {
            "TableName": f"{prefix}-{spec.logical}",
            "BillingMode": "PAY_PER_REQUEST",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "KeySchema": spec.create_table_input("x")["KeySchema"],
        }
        if spec.ttl_attribute:
            expected["TimeToLiveSpecification"] = {
                "AttributeName": spec.ttl_attribute,
                "Enabled": True,
            }
        template.has_resource_properties("AWS::DynamoDB::Table", expected)
        props = tables[expected["TableName"]]["Properties"]
        if not spec.ttl_attribute:
            assert "TimeToLiveSpecification" not in props
        wanted = spec.create_table_input("x").get("GlobalSecondaryIndexes", [])
        assert props.get("GlobalSecondaryIndexes", []) == wanted
        assert sorted(props["AttributeDefinitions"], key=str) == sorted(
            spec.create_table_input("x")["AttributeDefinitions"], key=str
        )


def test_prod_tables_are_retained_and_protected(prod: Synthesized, dev: Synthesized) -> None:
    for table in _tables(prod).values():
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
        assert table["Properties"]["DeletionProtectionEnabled"] is True
    for table in _tables(dev).values():
        assert table["DeletionPolicy"] == "Delete"
        assert table["Properties"].get("DeletionProtectionEnabled") in (None, False)


def test_stream_is_encrypted_and_on_demand_unless_shards_are_given(stack: Synthesized) -> None:
    template = Template.from_json(stack.template)
    template.has_resource_properties(
        "AWS::Kinesis::Stream",
        {
            "Name": f"streamfeed-{stack.stage}-tweets",
            "RetentionPeriodHours": TWEET_STREAM.retention_hours,
            "StreamEncryption": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"},
            "StreamModeDetails": {
                "Fn::If": [
                    Match.any_value(),
                    {"StreamMode": "ON_DEMAND"},
                    {"StreamMode": "PROVISIONED"},
                ]
            },
            "ShardCount": {
                "Fn::If": [Match.any_value(), {"Ref": "AWS::NoValue"}, {"Ref": "KinesisShardCount"}]
            },
        },
    )
    parameter = stack.template["Parameters"]["KinesisShardCount"]
    assert parameter["Type"] == "Number"
    assert parameter["Default"] == 0  # on-demand unless the operator asks for shards
    _, stream = stack.one("AWS::Kinesis::Stream", translated=False)
    condition = stream["Properties"]["ShardCount"]["Fn::If"][0]
    assert stack.template["Conditions"][condition] == {
        "Fn::Equals": [{"Ref": "KinesisShardCount"}, 0]
    }


def test_dead_letter_queue(stack: Synthesized) -> None:
    Template.from_json(stack.template).has_resource_properties(
        "AWS::SQS::Queue",
        {
            "QueueName": f"streamfeed-{stack.stage}-consumer-dlq",
            "MessageRetentionPeriod": DEAD_LETTER_QUEUE.retention_seconds,
            "VisibilityTimeout": DEAD_LETTER_QUEUE.visibility_timeout,
            "SqsManagedSseEnabled": True,
        },
    )


def test_log_groups_have_retention(stack: Synthesized) -> None:
    groups = stack.resources("AWS::Logs::LogGroup", translated=False)
    names = {g["Properties"]["LogGroupName"]: g["Properties"] for g in groups.values()}
    # Plus the group of the function that sets the console's callback (auth.py).
    expected = (*resources.LOG_GROUPS, CALLBACK_LOG_GROUP)
    assert set(names) == {f"/streamfeed/streamfeed-{stack.stage}/{n}" for n in expected}
    assert {p["RetentionInDays"] for p in names.values()} == {LOG_RETENTION_DAYS}
