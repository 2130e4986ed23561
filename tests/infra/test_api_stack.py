"""The Chalice app in the stack: mapping overrides, environment, gateway responses, Cognito."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.consumer.mapping import MAPPING
from infra.streamfeed_infra.gatewayresponses import gateway_responses
from tests.infra.support import ROOT, Synthesized

# The first test builds everything (chalice package, four synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)


def _ref_of(stack: Synthesized, kind: str, fragment: str) -> str:
    (logical,) = [k for k in stack.resources(kind, translated=False) if fragment in k]
    return logical


def test_event_source_mapping_has_every_setting_of_mapping_py(stack: Synthesized) -> None:
    """As deployed (SAM expanded): partial failures, bisect, bounded retries, DLQ destination."""
    _, esm = stack.one("AWS::Lambda::EventSourceMapping")
    props = esm["Properties"]
    stream = _ref_of(stack, "AWS::Kinesis::Stream", "Tweets")
    queue = _ref_of(stack, "AWS::SQS::Queue", "DeadLetters")
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert 0 <= props["MaximumRetryAttempts"] == MAPPING.maximum_retry_attempts <= 10_000
    assert props["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}
    }
    assert props["EventSourceArn"] == {"Fn::GetAtt": [stream, "Arn"]}
    assert props["FunctionName"] == {"Ref": "ConsumeTweets"}
    assert props["BatchSize"] == MAPPING.batch_size
    assert props["MaximumBatchingWindowInSeconds"] == MAPPING.maximum_batching_window_in_seconds
    assert props["StartingPosition"] == MAPPING.starting_position
    assert props["ParallelizationFactor"] == MAPPING.parallelization_factor


def test_consumer_exists_only_after_its_permissions(stack: Synthesized) -> None:
    """Lambda checks the role's Kinesis access when the mapping is created."""
    function = stack.translated["Resources"]["ConsumeTweets"]
    policy = _ref_of(stack, "AWS::IAM::Policy", "ApiConsumerRole")
    assert policy in function["DependsOn"]
    role = _ref_of(stack, "AWS::IAM::Role", "ApiConsumerRole")
    assert function["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}


def test_functions_get_names_environment_and_log_groups(stack: Synthesized) -> None:
    functions = stack.resources("AWS::Lambda::Function")
    # CDK's function for the console's callback (test_hosted_signin.py) is not Chalice's.
    (callback,) = stack.sdk_call_functions()
    del functions[callback]
    prefix = f"streamfeed-{stack.stage}"
    by_name = {f["Properties"]["FunctionName"]: f["Properties"] for f in functions.values()}
    assert set(by_name) == {f"{prefix}-api", f"{prefix}-consumer", f"{prefix}-authorizer"}
    pool = _ref_of(stack, "AWS::Cognito::UserPool", "Users")
    client = _ref_of(stack, "AWS::Cognito::UserPoolClient", "ApiClient")
    for name, props in by_name.items():
        env = props["Environment"]["Variables"]
        assert env["STREAMFEED_STAGE"] == stack.stage
        assert env["STREAMFEED_NAME_PREFIX"] == prefix
        assert env["STREAMFEED_STREAM_NAME"] == f"{prefix}-tweets"
        assert env["STREAMFEED_DLQ_NAME"] == f"{prefix}-consumer-dlq"
        assert env["STREAMFEED_AUTH_MODE"] == "cognito"
        if name.endswith("-consumer"):
            assert "STREAMFEED_COGNITO_USER_POOL_ID" not in env
        else:
            assert env["STREAMFEED_COGNITO_USER_POOL_ID"] == {"Ref": pool}
            assert env["STREAMFEED_COGNITO_CLIENT_IDS"] == {"Ref": client}
        component = "api" if name.endswith("-authorizer") else name.rsplit("-", 1)[1]
        group = _ref_of(stack, "AWS::Logs::LogGroup", f"DataLogs{component}")
        assert props["LoggingConfig"]["LogGroup"] == {"Ref": group}
    assert by_name[f"{prefix}-consumer"]["Timeout"] == 120


def test_rest_api_answers_its_own_errors_in_the_api_shape(stack: Synthesized) -> None:
    _, api = stack.one("AWS::ApiGateway::RestApi")
    deployed = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    expected = gateway_responses()
    assert set(deployed) == {r["ResponseType"] for r in expected}
    for response in expected:
        got: dict[str, Any] = deployed[response["ResponseType"]]
        assert got["responseTemplates"] == response["ResponseTemplates"]
        assert got["responseParameters"] == response["ResponseParameters"]
        assert got.get("statusCode") == response.get("StatusCode")
    assert deployed["UNAUTHORIZED"]["statusCode"] == "401"
    assert (
        deployed["UNAUTHORIZED"]["responseParameters"]["gatewayresponse.header.WWW-Authenticate"]
        == "'Bearer'"
    )


def test_cognito_pool_client_and_groups(stack: Synthesized) -> None:
    template = Template.from_json(stack.template)
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "UserPoolName": f"streamfeed-{stack.stage}-users",
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
            "DeletionProtection": "ACTIVE" if stack.stage == "prod" else "INACTIVE",
        },
    )
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "GenerateSecret": False,
            "ExplicitAuthFlows": Match.array_with(
                ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"]
            ),
        },
    )
    groups = stack.resources("AWS::Cognito::UserPoolGroup", translated=False)
    assert {g["Properties"]["GroupName"] for g in groups.values()} == {"admin", "service"}


def test_mfa_is_totp_only_optional_in_dev_and_required_in_prod(
    stacks: dict[str, Synthesized],
) -> None:
    """Cognito sets MFA per pool: prod requires it of everyone, admins included; no SMS."""
    wanted = {"dev": "OPTIONAL", "prod": "ON", "prod-chalice-mode": "ON", "dev-redis": "OPTIONAL"}
    for name, stack in stacks.items():
        (pool,) = stack.resources("AWS::Cognito::UserPool", translated=False).values()
        props = pool["Properties"]
        assert props["MfaConfiguration"] == wanted[name], name
        assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"], name
        assert "SmsConfiguration" not in props, name
        roles = stack.resources("AWS::IAM::Role", translated=False).values()
        principals = json.dumps([r["Properties"]["AssumeRolePolicyDocument"] for r in roles])
        assert "cognito-idp.amazonaws.com" not in principals, name  # no SMS role


def test_tokens_last_an_hour_and_refresh_tokens_thirty_days(stack: Synthesized) -> None:
    """The README's revocation numbers ("Revoking access") rest on these."""
    (client,) = stack.resources("AWS::Cognito::UserPoolClient", translated=False).values()
    props = client["Properties"]
    assert props["TokenValidityUnits"] == {
        "AccessToken": "minutes",
        "IdToken": "minutes",
        "RefreshToken": "minutes",
    }
    assert (props["AccessTokenValidity"], props["IdTokenValidity"]) == (60, 60)
    assert props["RefreshTokenValidity"] == 30 * 24 * 60
    app = (ROOT / "app.py").read_text()
    assert "@app.authorizer(ttl_seconds=300)" in app
