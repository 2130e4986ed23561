"""Create every table, stream, queue, secret and log group, idempotently.

Running it twice changes nothing the second time, so ``local up`` can run it on
every start against persisted data, and tests can run it per isolated stage.
On AWS the CDK app creates the same resources from the same definitions.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from chalicelib.core import resources
from chalicelib.core.aws import client
from chalicelib.core.settings import Settings
from infra.streamfeed_infra.alarms import alarm_specs
from infra.streamfeed_infra.dashboard import dashboard_properties
from infra.streamfeed_infra.targets import default_targets


@dataclass
class BootstrapReport:
    """What was created now, and what was already there."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)

    def note(self, name: str, created: bool) -> None:
        (self.created if created else self.existing).append(name)


def bootstrap(settings: Settings, *, stream: bool = True) -> BootstrapReport:
    """Make this stage's resources exist; ``stream=False`` skips Kinesis (tables-only tests)."""
    report = BootstrapReport()
    ensure_tables(settings, report)
    if stream:
        ensure_stream(settings, report)
    ensure_queue(settings, report)
    ensure_secrets(settings, report)
    ensure_log_groups(settings, report)
    ensure_dashboard(settings, report)
    ensure_alarms(settings, report)
    return report


def ensure_tables(settings: Settings, report: BootstrapReport) -> None:
    ddb = client(settings, "dynamodb")
    existing: set[str] = set()
    for page in ddb.get_paginator("list_tables").paginate():
        existing.update(page.get("TableNames", []))
    created = []
    for spec in resources.TABLES:
        name = settings.table_name(spec.logical)
        if name in existing:
            report.note(name, created=False)
            continue
        try:
            ddb.create_table(**spec.create_table_input(name))
            created.append(name)
            report.note(name, created=True)
        except ddb.exceptions.ResourceInUseException:
            report.note(name, created=False)
    waiter = ddb.get_waiter("table_exists")
    for name in created:
        waiter.wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def ensure_stream(settings: Settings, report: BootstrapReport, timeout: float = 60.0) -> None:
    kinesis = client(settings, "kinesis")
    name = settings.kinesis_stream
    try:
        kinesis.describe_stream_summary(StreamName=name)
        report.note(name, created=False)
    except kinesis.exceptions.ResourceNotFoundException:
        kinesis.create_stream(StreamName=name, ShardCount=settings.stream_shards)
        report.note(name, created=True)
    deadline = time.monotonic() + timeout
    while True:
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        if summary["StreamStatus"] == "ACTIVE":
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"stream {name} is still {summary['StreamStatus']}")
        time.sleep(0.2)


def ensure_queue(settings: Settings, report: BootstrapReport) -> None:
    sqs = client(settings, "sqs")
    name = settings.dead_letter_queue
    try:
        sqs.get_queue_url(QueueName=name)
        report.note(name, created=False)
    except ClientError as exc:
        if "NonExistentQueue" not in exc.response["Error"]["Code"]:
            raise
        spec = resources.DEAD_LETTER_QUEUE
        sqs.create_queue(
            QueueName=name,
            Attributes={
                "MessageRetentionPeriod": str(spec.retention_seconds),
                "VisibilityTimeout": str(spec.visibility_timeout),
            },
        )
        report.note(name, created=True)


def ensure_secrets(settings: Settings, report: BootstrapReport) -> None:
    manager = client(settings, "secretsmanager")
    for spec in resources.SECRETS:
        name = settings.secret_name(spec.logical)
        try:
            manager.describe_secret(SecretId=name)
            report.note(name, created=False)
        except manager.exceptions.ResourceNotFoundException:
            manager.create_secret(
                Name=name,
                Description=spec.description,
                SecretString=secrets.token_urlsafe(spec.generate_bytes),
            )
            report.note(name, created=True)


def log_group_name(settings: Settings, component: str) -> str:
    return f"/streamfeed/{settings.prefix}/{component}"


def ensure_log_groups(settings: Settings, report: BootstrapReport) -> None:
    logs = client(settings, "logs")
    for component in resources.LOG_GROUPS:
        name = log_group_name(settings, component)
        try:
            logs.create_log_group(logGroupName=name)
            logs.put_retention_policy(
                logGroupName=name, retentionInDays=resources.LOG_RETENTION_DAYS
            )
            report.note(name, created=True)
        except logs.exceptions.ResourceAlreadyExistsException:
            report.note(name, created=False)


def ensure_dashboard(settings: Settings, report: BootstrapReport) -> None:
    """Put the dashboard the CDK app deploys; rewritten when its definition changed."""
    cloudwatch = client(settings, "cloudwatch")
    wanted = dashboard_properties(settings, default_targets(settings))
    name = wanted["DashboardName"]
    try:
        current = cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"]
    except cloudwatch.exceptions.ResourceNotFound:
        current = None
    if current != wanted["DashboardBody"]:
        answer = cloudwatch.put_dashboard(DashboardName=name, DashboardBody=wanted["DashboardBody"])
        problems = answer.get("DashboardValidationMessages", [])
        if problems:
            raise ValueError(f"CloudWatch rejected dashboard {name}: {problems}")
    report.note(name, created=current is None)


def ensure_alarms(settings: Settings, report: BootstrapReport) -> None:
    """Put every alarm (PutMetricAlarm overwrites, so a changed definition applies)."""
    cloudwatch = client(settings, "cloudwatch")
    specs = alarm_specs(settings, default_targets(settings))
    found = cloudwatch.describe_alarms(AlarmNames=[spec.name for spec in specs])
    existing = {alarm["AlarmName"] for alarm in found.get("MetricAlarms", [])}
    for spec in specs:
        cloudwatch.put_metric_alarm(**spec.properties())
        report.note(spec.name, created=spec.name not in existing)
