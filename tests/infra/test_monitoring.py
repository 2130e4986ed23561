"""The deployed dashboard and alarms are exactly their definitions (alarms.py, dashboard.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.streamfeed_infra.alarms import alarm_specs
from infra.streamfeed_infra.config import stage_config, stage_settings
from infra.streamfeed_infra.dashboard import dashboard_properties
from infra.streamfeed_infra.stack import chalice_targets
from infra.streamfeed_infra.targets import default_targets
from tests.infra.support import Synthesized

# The first test builds everything (chalice package, four synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)

ACCOUNT = "${AWS::AccountId}"


def _resolve(value: Any) -> Any:
    """Fold Fn::Join of strings and pseudo-parameter Refs back into one string."""
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(str(_resolve(p)) for p in parts)
    if value == {"Ref": "AWS::AccountId"}:
        return ACCOUNT
    return value


def _alarms(stack: Synthesized) -> dict[str, dict[str, Any]]:
    found = stack.resources("AWS::CloudWatch::Alarm", translated=False)
    return {a["Properties"]["AlarmName"]: a["Properties"] for a in found.values()}


def test_alarms_are_the_telemetry_specs_with_the_topic(stack: Synthesized) -> None:
    settings = stage_settings(stack.stage)
    (topic,) = stack.resources("AWS::SNS::Topic", translated=False)
    alarms = _alarms(stack)
    specs = alarm_specs(settings, default_targets(settings, account=ACCOUNT))
    assert set(alarms) == {spec.name for spec in specs}
    for spec in specs:
        deployed = dict(alarms[spec.name])
        assert deployed.pop("AlarmActions") == [{"Ref": topic}]
        assert deployed.pop("OKActions") == [{"Ref": topic}]
        assert deployed == spec.properties()


def test_dashboard_is_the_telemetry_dashboard(stack: Synthesized) -> None:
    settings = stage_settings(stack.stage)
    _, dashboard = stack.one("AWS::CloudWatch::Dashboard", translated=False)
    expected = dashboard_properties(settings, default_targets(settings, account=ACCOUNT))
    deployed = dashboard["Properties"]
    assert deployed["DashboardName"] == expected["DashboardName"]
    assert json.loads(_resolve(deployed["DashboardBody"])) == json.loads(expected["DashboardBody"])


def test_alarms_follow_chalice_deploy_names_when_chalice_owns_the_functions(
    stacks: dict[str, Synthesized],
) -> None:
    stack = stacks["prod-chalice-mode"]
    assert not stack.resources("AWS::Lambda::Function")
    assert not stack.resources("AWS::ApiGateway::RestApi")
    targets = chalice_targets(stage_config("prod"))
    assert targets.api_function == "streamfeed-prod"
    assert targets.consumer_function == "streamfeed-prod-consume_tweets"
    settings = stage_settings("prod")
    alarms = _alarms(stack)
    for spec in alarm_specs(settings, targets):
        deployed = dict(alarms[spec.name])
        deployed.pop("AlarmActions"), deployed.pop("OKActions")
        assert deployed == spec.properties()
