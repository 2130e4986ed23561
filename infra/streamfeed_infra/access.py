"""Who may touch what: the one access matrix behind every IAM policy.

The CDK app turns it into grants on its own constructs; ``chalicefiles`` turns
it into the ``.chalice/policy-*.json`` files that ``chalice deploy`` needs
(Chalice's policy generation only scans ``app.py`` and cannot see the
PynamoDB and boto3 calls in ``chalicelib``). One matrix, two renderings, so
the two deployment paths grant the same actions on the same resources.

Plain data and plain JSON: no CDK import, so the chalice path and the tests
can use it without starting jsii.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from chalicelib.core import resources
from chalicelib.core.resources import KEYSET_SECRET_PREFIX
from chalicelib.core.settings import Settings

Component = Literal["api", "consumer", "authorizer", "streamer"]
Level = Literal["read", "write", "read_write"]

# The DynamoDB actions behind each level (the same lists CDK's grantReadData /
# grantWriteData use, less the Streams actions: no table has a stream).
TABLE_READ: Final[tuple[str, ...]] = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
)
TABLE_WRITE: Final[tuple[str, ...]] = (
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
# The streamer ships; the consumer's event source mapping reads (Lambda polls
# with the function's role, so the role needs the read actions).
STREAM_WRITE: Final[tuple[str, ...]] = (
    "kinesis:DescribeStreamSummary",
    "kinesis:ListShards",
    "kinesis:PutRecord",
    "kinesis:PutRecords",
)
STREAM_READ: Final[tuple[str, ...]] = (
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
    "kinesis:SubscribeToShard",
)
QUEUE_SEND: Final[tuple[str, ...]] = (
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:SendMessage",
)
QUEUE_WATCH: Final[tuple[str, ...]] = ("sqs:GetQueueAttributes", "sqs:GetQueueUrl")
SECRET_READ: Final[tuple[str, ...]] = ("secretsmanager:GetSecretValue",)
SECRET_MANAGE: Final[tuple[str, ...]] = (
    "secretsmanager:CreateSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:RestoreSecret",
)
#: CloudWatch has no resource-level permissions for these two: they can only be
#: granted on ``*``. PutMetricData is narrowed to the project's namespace.
METRICS_READ: Final[tuple[str, ...]] = ("cloudwatch:GetMetricData",)
METRICS_WRITE: Final[tuple[str, ...]] = ("cloudwatch:PutMetricData",)
#: What Lambda does with a function's role to attach it to a VPC: the EC2 part of
#: AWS's managed AWSLambdaVPCAccessExecutionRole (its logs actions are granted per
#: log group already). Lambda validates these at create time on ``*``: the
#: Describe actions have no resource-level permissions, and a role scoped to
#: named interfaces cannot create the function's network interfaces.
VPC_ACCESS: Final[tuple[str, ...]] = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:UnassignPrivateIpAddresses",
)


def table_actions(level: Level) -> tuple[str, ...]:
    found = {"read": TABLE_READ, "write": TABLE_WRITE, "read_write": TABLE_READ + TABLE_WRITE}
    return tuple(sorted(set(found[level])))


@dataclass(frozen=True)
class Access:
    """Everything one component's role may do (tables by logical name)."""

    tables: dict[str, Level]
    stream: Literal["read", "write"] | None = None
    queue: Literal["send", "watch"] | None = None
    keyset_secrets: Literal["read", "manage"] | None = None
    read_metrics: bool = False
    put_metrics: bool = False
    #: Talks to the feed cache when the stage has one (``-c feed_backend=redis``):
    #: runs in the cache's VPC and reads the cache's credentials secret
    #: (``SECRET_READ`` on that one secret, plus ``VPC_ACCESS``). The CDK path
    #: only: ``policy_document`` (the ``chalice deploy`` path) has no cache.
    feed_cache: bool = False

    def __post_init__(self) -> None:
        for logical in self.tables:
            resources.table_spec(logical)  # a typo fails here, not in AWS


_ALL_RW: Final[dict[str, Level]] = {t.logical: "read_write" for t in resources.TABLES}
_FEEDS: Final[dict[str, Level]] = {
    t.logical: "read_write"
    for t in (
        resources.FEEDS,
        resources.FEED_MESSAGES,
        resources.FEED_INDEX,
        resources.FEED_COUNTERS,
        resources.USERS,
        resources.CONTROL,
    )
}

#: The matrix. Read it as "component X may do this, and nothing else".
MATRIX: Final[dict[Component, Access]] = {
    # Every route: terms, key sets (and their secrets), subscriptions, feeds,
    # broadcasts; tweets and timelines are read-only; /status reads metrics,
    # the dead-letter queue's depth and the consumer's totals.
    "api": Access(
        tables={**_ALL_RW, "tweets": "read", "term-tweets": "read"},
        queue="watch",
        keyset_secrets="manage",
        read_metrics=True,
        feed_cache=True,
    ),
    # Stores tweets, writes timelines, looks up subscribers (by-term index),
    # fans out into the feed tables, counts record attempts in control.
    "consumer": Access(
        tables={**_FEEDS, "tweets": "read_write", "term-tweets": "write", "subscriptions": "read"},
        stream="read",
        queue="send",
        feed_cache=True,
    ),
    # Verifies Cognito tokens against the pool's public JWKS: no AWS call, no
    # feeds, so it stays out of the cache's VPC.
    "authorizer": Access(tables={}),
    # Syncs terms to X rules, resolves its key set, holds the lease and writes
    # status in control, ships to Kinesis, publishes its metrics.
    "streamer": Access(
        tables={"terms": "read_write", "keysets": "read", "control": "read_write"},
        stream="write",
        keyset_secrets="read",
        put_metrics=True,
    ),
}


def keyset_secret_pattern(settings: Settings) -> str:
    """Name pattern of every key set's secret (Secrets Manager adds ``-XXXXXX``)."""
    return settings.secret_name(f"{KEYSET_SECRET_PREFIX}*")


def policy_document(component: Component, settings: Settings) -> dict[str, Any]:
    """The matrix row as an IAM policy on named resources (any region and account).

    Used by the ``chalice deploy`` path, which cannot reference CDK resources:
    resources are matched by the stage's names, never by ``*``.
    """
    access = MATRIX[component]
    arn = "arn:aws:{service}:*:*:{resource}"
    statements: list[dict[str, Any]] = []
    by_level: dict[Level, list[str]] = {}
    for logical, level in sorted(access.tables.items()):
        by_level.setdefault(level, []).append(logical)
    for level, logicals in sorted(by_level.items()):
        arns: list[str] = []
        for logical in logicals:
            table = arn.format(service="dynamodb", resource=f"table/{settings.table_name(logical)}")
            arns.append(table)
            if resources.table_spec(logical).indexes:
                arns.append(f"{table}/index/*")
        statements.append(_allow(table_actions(level), arns))
    if access.stream is not None:
        actions: tuple[str, ...] = STREAM_READ if access.stream == "read" else STREAM_WRITE
        stream = arn.format(service="kinesis", resource=f"stream/{settings.kinesis_stream}")
        statements.append(_allow(actions, [stream]))
    if access.queue is not None:
        actions = QUEUE_SEND if access.queue == "send" else QUEUE_WATCH
        statements.append(
            _allow(actions, [arn.format(service="sqs", resource=settings.dead_letter_queue)])
        )
    if access.keyset_secrets is not None:
        actions = SECRET_MANAGE if access.keyset_secrets == "manage" else SECRET_READ
        pattern = arn.format(
            service="secretsmanager", resource=f"secret:{keyset_secret_pattern(settings)}"
        )
        statements.append(_allow(actions, [pattern]))
    if access.read_metrics:
        statements.append(_allow(METRICS_READ, ["*"]))
    if access.put_metrics:
        statement = _allow(METRICS_WRITE, ["*"])
        statement["Condition"] = {
            "StringEquals": {"cloudwatch:namespace": settings.metrics_namespace}
        }
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def _allow(actions: tuple[str, ...], resources_: list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": sorted(set(actions)), "Resource": resources_}
