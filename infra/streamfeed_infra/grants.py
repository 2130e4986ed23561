"""The access matrix applied to CDK constructs, as grants.

Each grant names the construct it is about (a table and its indexes, the
stream, the queue, the feed cache's secret), so every statement has a concrete
ARN. The only ``*`` resources are the two CloudWatch metric actions and the
network-interface actions of functions in a VPC, which AWS cannot scope.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from .access import (
    MATRIX,
    METRICS_READ,
    METRICS_WRITE,
    QUEUE_SEND,
    QUEUE_WATCH,
    SECRET_MANAGE,
    SECRET_READ,
    STREAM_READ,
    STREAM_WRITE,
    VPC_ACCESS,
    Component,
    keyset_secret_pattern,
    table_actions,
)
from .data import DataStores


def grant_component(
    component: Component,
    principal: iam.IGrantable,
    data: DataStores,
    scope: Construct,
    cache_secret_arn: str | None = None,
) -> None:
    """Give ``principal`` exactly the matrix row of ``component``.

    ``cache_secret_arn``: the feed cache's credentials, when the stage has a
    cache; a ``feed_cache`` component then reads that one secret and may run
    in the cache's VPC.
    """
    access = MATRIX[component]
    for logical, level in sorted(access.tables.items()):
        data.tables[logical].grant(principal, *table_actions(level))
    if access.stream is not None:
        actions: tuple[str, ...] = STREAM_READ if access.stream == "read" else STREAM_WRITE
        data.stream.grant(principal, *actions)
    if access.queue is not None:
        actions = QUEUE_SEND if access.queue == "send" else QUEUE_WATCH
        data.dead_letter_queue.grant(principal, *actions)
    if access.keyset_secrets is not None:
        actions = SECRET_MANAGE if access.keyset_secrets == "manage" else SECRET_READ
        _grant(principal, actions, [keyset_secrets_arn(scope, data)])
    if access.read_metrics:
        _grant(principal, METRICS_READ, ["*"])
    if access.put_metrics:
        namespace = data.config.settings.metrics_namespace
        _grant(
            principal,
            METRICS_WRITE,
            ["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": namespace}},
        )
    if access.feed_cache and cache_secret_arn is not None:
        _grant(principal, SECRET_READ, [cache_secret_arn])
        _grant(principal, VPC_ACCESS, ["*"])


def keyset_secrets_arn(scope: Construct, data: DataStores) -> str:
    """ARN pattern of the key-set secrets, which the API creates at run time."""
    arn: str = Stack.of(scope).format_arn(
        service="secretsmanager",
        resource="secret",
        resource_name=keyset_secret_pattern(data.config.settings),
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    return arn


def _grant(
    principal: iam.IGrantable,
    actions: tuple[str, ...],
    resource_arns: list[str],
    conditions: dict[str, dict[str, str]] | None = None,
) -> None:
    statement = iam.PolicyStatement(
        actions=sorted(set(actions)), resources=resource_arns, conditions=conditions
    )
    principal.grant_principal.add_to_principal_policy(statement)
