"""The Chalice app (REST API, authorizer, Kinesis consumer) through ``chalice.cdk``.

Chalice packages ``app.py`` into a SAM template that this construct includes;
what Chalice cannot say is patched in with ``add_override``:

- each function gets its own CDK role, filled by grants from the access
  matrix (``manage_iam_role: false``: Chalice's generated policy would not see
  the PynamoDB calls, and would give the consumer ``kinesis:*`` on ``*``);
- the consumer's event source mapping gets every setting of
  ``chalicelib.consumer.mapping`` and the dead-letter queue as its on-failure
  destination;
- the REST API gets ``infra.streamfeed_infra.gatewayresponses``'s responses;
- the API function also gets the hosted sign-in domain
  (``STREAMFEED_COGNITO_DOMAIN``) for the operator console;
- functions get fixed names (``<prefix>-api`` ...: the names the dashboard and
  alarms use) and log to ``/streamfeed/<prefix>/<component>``;
- with a feed cache (``-c feed_backend=redis``), the functions whose matrix
  row has ``feed_cache`` (API, consumer) get its ``VpcConfig`` and settings;
  the authorizer stays out of the VPC.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from aws_cdk import CfnResource
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from chalice.cdk import Chalice
from constructs import Construct

from chalicelib.consumer.mapping import MAPPING

from .access import MATRIX, Component
from .auth import UserDirectory
from .cache import FeedCache
from .config import FunctionSize, function_environment
from .data import DataStores
from .grants import grant_component
from .sam import (
    API_FUNCTION,
    AUTHORIZER_FUNCTION,
    CONSUMER_FUNCTION,
    KINESIS_EVENT,
    REST_API,
    kinesis_event_properties,
    sam_gateway_responses,
)

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
#: Chalice packages into ``<cwd>/chalice.out``; the CDK app points it at a temp dir.
PACKAGE_DIR_ENV: Final = "STREAMFEED_CHALICE_OUT"


def function_names(prefix: str) -> dict[Component, str]:
    """The deployed functions' names (``telemetry.targets.default_targets`` expects these)."""
    return {
        "api": f"{prefix}-api",
        "consumer": f"{prefix}-consumer",
        "authorizer": f"{prefix}-authorizer",
    }


@contextmanager
def _packaging(region: str) -> Iterator[None]:
    """Run Chalice's packaging with the working directory set to a scratch dir.

    ``chalice.cdk.Chalice`` writes its package to ``os.getcwd()/chalice.out``;
    the asset it registers keeps the absolute path, so the caller can delete
    the directory after ``app.synth()`` copied the asset into the assembly.
    ``chalice package`` needs a region (never credentials): the stack's.
    """
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    target = os.environ.get(PACKAGE_DIR_ENV) or tempfile.mkdtemp(prefix="streamfeed-chalice-")
    os.environ[PACKAGE_DIR_ENV] = target
    here = os.getcwd()
    os.chdir(target)
    try:
        yield
    finally:
        os.chdir(here)


class ChaliceApp(Construct):
    """The three functions, their roles, and the REST API."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        data: DataStores,
        users: UserDirectory,
        cache: FeedCache | None = None,
    ) -> None:
        super().__init__(scope, cid)
        config = data.config
        self.names = function_names(config.prefix)
        self.roles = {
            component: self._role(component, data, cache)
            for component in ("api", "consumer", "authorizer")
        }
        stage_config: dict[str, Any] = {
            "api_gateway_stage": "api",
            "environment_variables": function_environment(config),
            # Chalice wants one role ARN for all; each function's Role is overridden below.
            "manage_iam_role": False,
            "iam_role_arn": self.roles["api"].role_arn,
            "lambda_memory_size": config.api.memory,
            "lambda_timeout": config.api.timeout,
        }
        with _packaging(config.settings.region):
            self.chalice = Chalice(
                self, "App", source_dir=str(REPO_ROOT), stage_config=stage_config
            )
        logical: dict[Component, str] = {
            "api": API_FUNCTION,
            "consumer": CONSUMER_FUNCTION,
            "authorizer": AUTHORIZER_FUNCTION,
        }
        sizes = {"api": config.api, "consumer": config.consumer, "authorizer": config.authorizer}
        log_groups = {"api": "api", "consumer": "consumer", "authorizer": "api"}
        for component, function_id in logical.items():
            self._function(
                function_id, component, sizes[component], data.log_groups[log_groups[component]]
            )
        for function_id in (API_FUNCTION, AUTHORIZER_FUNCTION):
            for key, value in users.api_environment().items():
                self.chalice.add_environment_variable(key, value, function_id)
        # The console's "Sign in with Cognito" (the authorizer has no use for it).
        for key, value in users.console_environment().items():
            self.chalice.add_environment_variable(key, value, API_FUNCTION)
        if cache is not None:
            for component, function_id in logical.items():
                if MATRIX[component].feed_cache:
                    self._in_cache_network(function_id, cache)
        self.resource(CONSUMER_FUNCTION).add_override(
            f"Properties.Events.{KINESIS_EVENT}.Properties",
            kinesis_event_properties(
                MAPPING, data.stream.stream_arn, data.dead_letter_queue.queue_arn
            ),
        )
        self.resource(REST_API).add_override("Properties.GatewayResponses", sam_gateway_responses())

    def resource(self, logical_id: str) -> CfnResource:
        """A resource of Chalice's SAM template, by its logical id there."""
        found: CfnResource = self.chalice.get_resource(logical_id)
        return found

    @property
    def api_url(self) -> str:
        return str(self.chalice.sam_template.get_output("EndpointURL").value)

    def _role(self, component: Component, data: DataStores, cache: FeedCache | None) -> iam.Role:
        role = iam.Role(
            self,
            f"{component.capitalize()}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"streamfeed {data.config.stage} {component} function",
        )
        secret = cache.secret.secret_arn if cache is not None else None
        grant_component(component, role, data, self, cache_secret_arn=secret)
        return role

    def _in_cache_network(self, logical_id: str, cache: FeedCache) -> None:
        """The function joins the cache's private subnets and reads its settings."""
        for key, value in cache.function_environment().items():
            self.chalice.add_environment_variable(key, value, logical_id)
        function = self.resource(logical_id)
        function.add_override("Properties.VpcConfig", cache.vpc_config())
        # Not before the subnets' default route (the NAT gateway) exists: a
        # consumer started earlier could not read its secret or reach SQS.
        function.node.add_dependency(cache.subnets.internet_connectivity_established)

    def _function(
        self, logical_id: str, component: Component, size: FunctionSize, log_group: logs.LogGroup
    ) -> None:
        role = self.roles[component]
        log_group.grant_write(role)
        function = self.resource(logical_id)
        function.add_override("Properties.FunctionName", self.names[component])
        function.add_override("Properties.Role", role.role_arn)
        function.add_override("Properties.MemorySize", size.memory)
        function.add_override("Properties.Timeout", size.timeout)
        function.add_override(
            "Properties.LoggingConfig", {"LogGroup": log_group.log_group_name, "LogFormat": "Text"}
        )
        # The event source mapping is created right after the function, and
        # Lambda checks the role's Kinesis permissions then: the policy must
        # exist first. SAM copies DependsOn to the function it generates.
        policy = role.node.try_find_child("DefaultPolicy")
        if policy is not None and isinstance(policy.node.default_child, CfnResource):
            function.add_dependency(policy.node.default_child)
