"""The alarms, as plain data: one definition for the CDK app and the local cloud.

Each :class:`AlarmSpec` renders to a dict that is both a ``PutMetricAlarm``
request (the local bootstrap sends it to moto) and the properties of an
``AWS::CloudWatch::Alarm`` (the CDK app wraps it in a ``CfnResource``), because
CloudFormation uses PutMetricAlarm's own names. Notification actions are not
here: the CDK app adds its SNS topic to ``AlarmActions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from chalicelib.core import metricnames as names
from chalicelib.core.settings import Settings
from infra.streamfeed_infra.targets import Targets

LAMBDA: Final = "AWS/Lambda"
SQS: Final = "AWS/SQS"
ITERATOR_AGE_LIMIT_MS: Final = 60_000
STREAM_DOWN_MINUTES: Final = 5


@dataclass(frozen=True, slots=True)
class AlarmSpec:
    """One metric alarm; ``key`` is stable and makes a good CDK construct id."""

    key: str
    name: str
    description: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    period: int
    evaluation_periods: int
    threshold: float
    comparison: str
    treat_missing_data: str

    def properties(self) -> dict[str, Any]:
        """PutMetricAlarm's request, which is also the CloudFormation resource's properties."""
        return {
            "AlarmName": self.name,
            "AlarmDescription": self.description,
            "Namespace": self.namespace,
            "MetricName": self.metric,
            "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
            "Statistic": self.statistic,
            "Period": self.period,
            "EvaluationPeriods": self.evaluation_periods,
            "DatapointsToAlarm": self.evaluation_periods,
            "Threshold": self.threshold,
            "ComparisonOperator": self.comparison,
            "TreatMissingData": self.treat_missing_data,
        }

    def arn(self, region: str, account: str) -> str:
        return f"arn:aws:cloudwatch:{region}:{account}:alarm:{self.name}"


def alarm_specs(settings: Settings, targets: Targets) -> tuple[AlarmSpec, ...]:
    """Stream down > 5 min, iterator age > 60 s, any dead letter, Lambda errors (each function)."""
    prefix = settings.prefix
    stage = ((names.STAGE_DIMENSION, prefix),)
    return (
        AlarmSpec(
            "StreamDown",
            f"{prefix}-stream-down",
            f"The streamer has not been connected to X for {STREAM_DOWN_MINUTES} minutes "
            "(dead, backing off, or no enabled terms). A silent streamer counts as down. "
            "Look at GET /status/page.",
            settings.metrics_namespace,
            names.STREAM_CONNECTED,
            stage,
            "Maximum",
            60,
            STREAM_DOWN_MINUTES,
            1.0,
            "LessThanThreshold",
            "breaching",
        ),
        AlarmSpec(
            "IteratorAge",
            f"{prefix}-iterator-age",
            "The consumer is more than 60 s behind the Kinesis stream.",
            LAMBDA,
            "IteratorAge",
            (("FunctionName", targets.consumer_function),),
            "Maximum",
            60,
            1,
            float(ITERATOR_AGE_LIMIT_MS),
            "GreaterThanThreshold",
            "notBreaching",
        ),
        AlarmSpec(
            "DeadLetters",
            f"{prefix}-dead-letters",
            "Records the consumer could not process are waiting in the dead-letter queue.",
            SQS,
            "ApproximateNumberOfMessagesVisible",
            (("QueueName", targets.dead_letter_queue),),
            "Maximum",
            60,
            1,
            0.0,
            "GreaterThanThreshold",
            "notBreaching",
        ),
        *(
            AlarmSpec(
                f"{role.capitalize()}Errors",
                f"{prefix}-{role}-errors",
                f"The {role} Lambda function failed (an unhandled error or a timeout).",
                LAMBDA,
                "Errors",
                (("FunctionName", function),),
                "Sum",
                60,
                1,
                0.0,
                "GreaterThanThreshold",
                "notBreaching",
            )
            for role, function in (
                ("api", targets.api_function),
                ("consumer", targets.consumer_function),
            )
        ),
    )
