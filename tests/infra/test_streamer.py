"""The streamer's task and service: ARM64, one at a time, no secrets in the environment."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk.assertions import Match, Template

from infra.streamfeed_infra.config import stage_config, streamer_environment
from tests.infra.support import Synthesized

# The first test builds everything (chalice package, four synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)

SECRET_WORDS = re.compile(r"TOKEN|SECRET|PASSWORD|KEY", re.IGNORECASE)


def test_task_is_small_arm64_with_logs_and_the_image_asset(stack: Synthesized) -> None:
    Template.from_json(stack.template).has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "Cpu": "256",
            "Memory": "512",
            "NetworkMode": "awsvpc",
            "RequiresCompatibilities": ["FARGATE"],
            "RuntimePlatform": {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Image": {
                            "Fn::Sub": Match.string_like_regexp(r"cdk-hnb659fds-container-assets")
                        },
                        "LogConfiguration": {
                            "LogDriver": "awslogs",
                            "Options": Match.object_like(
                                {
                                    "awslogs-group": {
                                        "Ref": Match.string_like_regexp("DataLogsstreamer")
                                    },
                                    "awslogs-stream-prefix": "streamer",
                                }
                            ),
                        },
                    }
                )
            ],
        },
    )


def test_no_secret_reaches_the_task_as_plain_environment(stack: Synthesized) -> None:
    _, task = stack.one("AWS::ECS::TaskDefinition", translated=False)
    (container,) = task["Properties"]["ContainerDefinitions"]
    env = {e["Name"]: e["Value"] for e in container["Environment"]}
    assert env["STREAMFEED_STAGE"] == stack.stage
    for name, value in streamer_environment(stage_config(stack.stage)).items():
        assert env[name] == value, name
    assert env["STREAMFEED_BACKFILL_MINUTES"] == "0"  # opt-in: most X tiers refuse backfill
    assert not [name for name in env if SECRET_WORDS.search(name)]
    assert "Secrets" not in container  # the bearer token is read at run time, see below
    values = json.dumps(list(env.values()))
    assert "AAAA" not in values and "Bearer" not in values


def test_task_role_reads_only_the_key_set_secrets(stack: Synthesized) -> None:
    policies = stack.resources("AWS::IAM::Policy", translated=False)
    (policy,) = [p for k, p in policies.items() if k.startswith("StreamerTaskTaskRole")]
    secret = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(a.startswith("secretsmanager:") for a in _list(s["Action"]))
    ]
    assert len(secret) == 1
    assert _list(secret[0]["Action"]) == ["secretsmanager:GetSecretValue"]
    resource = json.dumps(secret[0]["Resource"])
    assert f":secret:streamfeed-{stack.stage}/keysets/*" in resource


def test_service_never_runs_two_streamers_and_rolls_back(stack: Synthesized) -> None:
    Template.from_json(stack.template).has_resource_properties(
        "AWS::ECS::Service",
        {
            "LaunchType": "FARGATE",
            "DesiredCount": {"Ref": "StreamerDesiredCount"},
            "DeploymentConfiguration": {
                "MinimumHealthyPercent": 0,
                "MaximumPercent": 100,
                "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
            },
            "NetworkConfiguration": {
                "AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "ENABLED"})
            },
        },
    )


def test_network_has_no_nat_and_nothing_inbound(stack: Synthesized) -> None:
    assert not stack.resources("AWS::EC2::NatGateway", translated=False)
    assert not stack.resources("AWS::EC2::EIP", translated=False)
    subnets = stack.resources("AWS::EC2::Subnet", translated=False)
    assert subnets and all(s["Properties"]["MapPublicIpOnLaunch"] for s in subnets.values())
    _, group = stack.one("AWS::EC2::SecurityGroup", translated=False)
    assert "SecurityGroupIngress" not in group["Properties"]
    assert group["Properties"]["SecurityGroupEgress"] == [
        {
            "CidrIp": "0.0.0.0/0",
            "Description": "X API and AWS APIs",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]


def _list(value: object) -> list[str]:
    return [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]


def test_desired_count_is_one_streamer_or_none(stack: Synthesized) -> None:
    parameter = stack.template["Parameters"]["StreamerDesiredCount"]
    assert parameter["Default"] == 1
    assert (parameter["MinValue"], parameter["MaxValue"]) == (0, 1)  # never two
