"""The access matrix applied to CDK constructs, as statements on their ARNs.

``access.statements`` renders each grant of the matrix on the constructs'
ARNs (a table, one of its indexes, the stream, the queue, the key-set secrets'
name pattern), with the grant's conditions, so every statement has a concrete
resource. The only ``*`` resources are the CloudWatch metric actions and the
network-interface actions of functions in a VPC, which AWS cannot scope.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from .access import MATRIX, SECRET_READ, VPC_ACCESS, Arns, Component, keyset_secret_pattern
from .access import statements as matrix_statements
from .data import DataStores


def grant_component(
    component: Component,
    principal: iam.IGrantable,
    data: DataStores,
    scope: Construct,
    cache_secret_arn: str | None = None,
) -> None:
    """Give ``principal`` exactly the matrix row of ``component``.

    The feed tables' grants follow the stage's feed backend. ``cache_secret_arn``:
    the feed cache's credentials, when the stage has a cache; a ``feed_cache``
    component then reads that one secret and may run in the cache's VPC.
    """
    config = data.config
    arns = Arns(
        table=lambda logical: str(data.tables[logical].table_arn),
        stream=str(data.stream.stream_arn),
        queue=str(data.dead_letter_queue.queue_arn),
        keyset_secrets=keyset_secrets_arn(scope, data),
    )
    for statement in matrix_statements(component, config.settings, arns, config.feed_backend):
        principal.grant_principal.add_to_principal_policy(iam.PolicyStatement.from_json(statement))
    if MATRIX[component].feed_cache and cache_secret_arn is not None:
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


def _grant(principal: iam.IGrantable, actions: tuple[str, ...], resource_arns: list[str]) -> None:
    statement = iam.PolicyStatement(actions=sorted(set(actions)), resources=resource_arns)
    principal.grant_principal.add_to_principal_policy(statement)
