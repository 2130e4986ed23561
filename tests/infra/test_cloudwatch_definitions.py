"""The dashboard and alarms: built from the one metric scheme, valid for CloudWatch,
and what the local cloud holds after ``bootstrap``."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

from chalicelib.core import metricnames as names
from chalicelib.core.aws import client
from chalicelib.core.settings import Settings
from infra.streamfeed_infra.alarms import alarm_specs
from infra.streamfeed_infra.dashboard import dashboard_body, dashboard_name, dashboard_properties
from infra.streamfeed_infra.targets import Targets, default_targets

SETTINGS = Settings(name_prefix="acme-prod", metrics_namespace="streamfeed")
TARGETS = default_targets(SETTINGS, account="111122223333")
OWN_NAMES = {
    value for key, value in vars(names).items() if key.isupper() and key != "STAGE_DIMENSION"
}


def validate(operation: str, params: dict[str, Any]) -> None:
    """botocore's own request validation for a CloudWatch operation (no network)."""
    model = botocore.session.get_session().get_service_model("cloudwatch")
    report = ParamValidator().validate(params, model.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


def metrics_of(body: dict[str, Any]) -> list[list[Any]]:
    return [
        metric
        for widget in body["widgets"]
        if widget["type"] == "metric"
        for metric in widget["properties"]["metrics"]
        if isinstance(metric[0], str)
    ]


def test_every_own_metric_is_on_the_dashboard_under_the_stage_dimension() -> None:
    body = dashboard_body(SETTINGS, TARGETS)
    own = [m for m in metrics_of(body) if m[0] == SETTINGS.metrics_namespace]
    assert {m[1] for m in own} == OWN_NAMES
    assert all(m[2:4] == [names.STAGE_DIMENSION, "acme-prod"] for m in own)


def test_the_dashboard_shows_what_the_issue_lists() -> None:
    body = dashboard_body(SETTINGS, TARGETS)
    titles = " ".join(w["properties"].get("title", "") for w in body["widgets"])
    for wanted in ("Stream connected", "Tweets per minute", "lag", "errors", "Lambda duration",
                   "Lambda errors", "Lambda throttles", "DynamoDB throttled"):  # fmt: skip
        assert wanted in titles, wanted
    aws = {(m[0], m[1], m[3]) for m in metrics_of(body) if m[0].startswith("AWS/")}
    assert ("AWS/Lambda", "Throttles", "acme-prod-consumer") in aws
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "acme-prod-consumer-dlq") in aws
    assert ("AWS/DynamoDB", "WriteThrottleEvents", "acme-prod-tweets") in aws
    alarm_widget = next(w for w in body["widgets"] if w["type"] == "alarm")
    assert alarm_widget["properties"]["alarms"] == [
        f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{spec.name}"
        for spec in alarm_specs(SETTINGS, TARGETS)
    ]


def test_widgets_fit_the_grid_without_overlapping() -> None:
    taken: set[tuple[int, int]] = set()
    for widget in dashboard_body(SETTINGS, TARGETS)["widgets"]:
        assert widget["x"] + widget["width"] <= 24
        cells = {
            (widget["x"] + dx, widget["y"] + dy)
            for dx in range(widget["width"])
            for dy in range(widget["height"])
        }
        assert not cells & taken, widget["properties"].get("title")
        taken |= cells


def test_the_requests_are_valid_cloudwatch_requests() -> None:
    properties = dashboard_properties(SETTINGS, TARGETS)
    validate("PutDashboard", properties)
    assert json.loads(properties["DashboardBody"]) == dashboard_body(SETTINGS, TARGETS)
    for spec in alarm_specs(SETTINGS, TARGETS):
        validate("PutMetricAlarm", spec.properties())


def test_the_four_alarms_of_the_issue() -> None:
    specs = {spec.key: spec for spec in alarm_specs(SETTINGS, TARGETS)}
    assert set(specs) == {"StreamDown", "IteratorAge", "DeadLetters", "ApiErrors", "ConsumerErrors"}
    down = specs["StreamDown"]
    assert (down.namespace, down.metric) == ("streamfeed", names.STREAM_CONNECTED)
    assert down.period * down.evaluation_periods == 300  # down for over 5 minutes
    assert down.treat_missing_data == "breaching"  # a dead streamer publishes nothing
    age = specs["IteratorAge"]
    assert (age.metric, age.threshold, age.comparison) == (
        "IteratorAge",
        60_000,
        "GreaterThanThreshold",
    )
    assert specs["DeadLetters"].threshold == 0
    assert specs["ConsumerErrors"].dimensions == (("FunctionName", "acme-prod-consumer"),)


def test_cdk_tokens_pass_through_unchanged() -> None:
    """The CDK app passes tokens for names CloudFormation chooses; they must survive as is."""
    token = "${Token[TOKEN.123]}"
    targets = Targets(token, token, "s", "q", ("t",), account="${Token[AWS.AccountId.7]}")
    text = dashboard_properties(SETTINGS, targets)["DashboardBody"]
    assert token in text and "${Token[AWS.AccountId.7]}" in text


def test_bootstrap_put_exactly_these_into_the_local_cloud(full_stage: Settings) -> None:
    cloudwatch = client(full_stage, "cloudwatch")
    targets = default_targets(full_stage)
    stored = cloudwatch.get_dashboard(DashboardName=dashboard_name(full_stage))
    assert stored["DashboardBody"] == dashboard_properties(full_stage, targets)["DashboardBody"]
    specs = alarm_specs(full_stage, targets)
    alarms = cloudwatch.describe_alarms(AlarmNames=[s.name for s in specs])["MetricAlarms"]
    got = {a["AlarmName"]: a for a in alarms}
    for spec in specs:
        alarm = got[spec.name]
        for key, value in spec.properties().items():
            assert alarm[key] == value, (spec.name, key)
