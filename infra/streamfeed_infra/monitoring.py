"""The dashboard and alarms of ``alarms.py`` and ``dashboard.py``, deployed as they are.

``dashboard_properties`` and ``alarm_specs`` already render CloudFormation
properties (the local cloud sends the same dicts to moto), so they are wrapped
in ``CfnResource`` untouched: the only addition is the SNS topic the alarms
notify, which the telemetry module leaves to the deployment.
"""

from __future__ import annotations

from aws_cdk import CfnResource
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.streamfeed_infra.alarms import alarm_specs
from infra.streamfeed_infra.dashboard import dashboard_properties
from infra.streamfeed_infra.targets import Targets

from .config import StageConfig


class Monitoring(Construct):
    """Alarm topic (optionally mailed), one ``AWS::CloudWatch::Alarm`` per spec, the dashboard."""

    def __init__(self, scope: Construct, cid: str, config: StageConfig, targets: Targets) -> None:
        super().__init__(scope, cid)
        settings = config.settings
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"{config.prefix}-alarms",
            display_name=f"streamfeed {config.stage} alarms",
            enforce_ssl=True,
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self.alarms: dict[str, CfnResource] = {}
        for spec in alarm_specs(settings, targets):
            properties = spec.properties()
            properties["AlarmActions"] = [self.topic.topic_arn]
            properties["OKActions"] = [self.topic.topic_arn]
            self.alarms[spec.key] = CfnResource(
                self, f"Alarm{spec.key}", type="AWS::CloudWatch::Alarm", properties=properties
            )
        self.dashboard = CfnResource(
            self,
            "Dashboard",
            type="AWS::CloudWatch::Dashboard",
            properties=dashboard_properties(settings, targets),
        )
        # The dashboard's alarm widget names the alarms by ARN: create them first.
        for alarm in self.alarms.values():
            self.dashboard.add_dependency(alarm)
