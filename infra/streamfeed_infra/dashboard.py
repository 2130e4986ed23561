"""The CloudWatch dashboard, built in this one place.

The CDK app deploys exactly :func:`dashboard_properties` as an
``AWS::CloudWatch::Dashboard``; ``streamfeed local up`` sends the same dict to
moto's ``PutDashboard``. Every metric of the project's own comes from
:mod:`chalicelib.core.metricnames`, so a renamed metric cannot leave a blank
graph behind. Rows: the alarms, stream state and throughput; lag and the
streamer's and consumer's errors; Lambda duration, errors, throttles and
DynamoDB throttles.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from chalicelib.core import metricnames as names
from chalicelib.core.settings import Settings
from infra.streamfeed_infra.alarms import ITERATOR_AGE_LIMIT_MS, LAMBDA, SQS, alarm_specs
from infra.streamfeed_infra.targets import Targets

KINESIS: Final = "AWS/Kinesis"
DYNAMODB: Final = "AWS/DynamoDB"
GRID_WIDTH: Final = 24
Metric = list[Any]


@dataclass(frozen=True)
class Widget:
    """One widget before placement: its size, kind and properties."""

    width: int
    kind: str
    properties: dict[str, Any]
    height: int = 6


@dataclass(frozen=True)
class Graphs:
    """Builds metric widgets of one stage and region."""

    settings: Settings

    def own(self, metric: str, label: str, **options: Any) -> Metric:
        """A metric of the project's namespace, on this stage's dimension."""
        s = self.settings
        return [s.metrics_namespace, metric, names.STAGE_DIMENSION, s.prefix,
                {"label": label, **options}]  # fmt: skip

    def graph(
        self, width: int, title: str, metrics: Sequence[Metric], stat: str = "Sum", **extra: Any
    ) -> Widget:
        properties = {
            "title": title,
            "view": "timeSeries",
            "stacked": False,
            "region": self.settings.region,
            "period": 60,
            "stat": stat,
            "metrics": list(metrics),
            **extra,
        }
        return Widget(width, "metric", properties)


def dashboard_name(settings: Settings) -> str:
    return settings.prefix


def dashboard_properties(settings: Settings, targets: Targets) -> dict[str, str]:
    """PutDashboard's request, which is also the CloudFormation resource's properties."""
    body = dashboard_body(settings, targets)
    return {"DashboardName": dashboard_name(settings), "DashboardBody": json.dumps(body)}


def dashboard_body(settings: Settings, targets: Targets) -> dict[str, Any]:
    """The dashboard as a dict (``json.dumps`` it; CDK tokens survive as strings)."""
    g = Graphs(settings)
    functions = (("api", targets.api_function), ("consumer", targets.consumer_function))
    alarms = [spec.arn(settings.region, targets.account) for spec in alarm_specs(settings, targets)]
    rows = [
        [Widget(24, "text", {"markdown": _intro(settings)}, height=2)],
        [
            Widget(6, "alarm", {"title": "Alarms", "alarms": alarms}),
            g.graph(6, "Stream connected (1 = yes)",
                    [g.own(names.STREAM_CONNECTED, "connected")], stat="Maximum",
                    yAxis={"left": {"min": 0, "max": 1}}),
            g.graph(12, "Tweets per minute", [
                g.own(names.TWEETS_RECEIVED, "received"),
                g.own(names.TWEETS_SHIPPED, "shipped to Kinesis"),
                g.own(names.TWEETS_STORED, "stored"),
                g.own(names.FEED_ITEMS_WRITTEN, "feed items written"),
            ], yAxis={"left": {"min": 0}}),
        ],
        [
            g.graph(8, "Consumer lag (ms)", [
                g.own(names.CONSUMER_LAG_MS, "consumer lag"),
                [LAMBDA, "IteratorAge", "FunctionName", targets.consumer_function,
                 {"label": "Lambda iterator age"}],
                [KINESIS, "GetRecords.IteratorAgeMilliseconds", "StreamName", targets.stream,
                 {"label": "stream iterator age"}],
            ], stat="Maximum",
                annotations={"horizontal": [{"label": "alarm", "value": ITERATOR_AGE_LIMIT_MS}]}),
            g.graph(8, "Streamer errors", [
                g.own(names.STREAM_ERRORS, "stream errors"),
                g.own(names.BAD_LINES, "bad lines"),
                g.own(names.RECONNECTS, "reconnects"),
                g.own(names.SPOOL_DEPTH, "spooled, not yet shipped", stat="Maximum"),
            ]),
            g.graph(8, "Consumer errors", [
                g.own(names.RECORDS_QUARANTINED, "quarantined"),
                g.own(names.DUPLICATES_SKIPPED, "duplicates skipped"),
                [SQS, "ApproximateNumberOfMessagesVisible", "QueueName",
                 targets.dead_letter_queue, {"label": "dead letters", "stat": "Maximum"}],
            ]),
        ],
        [
            g.graph(6, "Lambda duration (ms, p99)",
                    [_fn("Duration", fn, role) for role, fn in functions], stat="p99"),
            g.graph(6, "Lambda errors", [_fn("Errors", fn, role) for role, fn in functions]),
            g.graph(6, "Lambda throttles",
                    [_fn("Throttles", fn, role) for role, fn in functions]),
            g.graph(6, "DynamoDB throttled events", _throttles(targets.tables)),
        ],
    ]  # fmt: skip
    return {"start": "-PT6H", "periodOverride": "inherit", "widgets": _layout(rows)}


def _intro(settings: Settings) -> str:
    return (
        f"# streamfeed `{settings.prefix}`\n"
        f"Metrics in namespace `{settings.metrics_namespace}`, dimension "
        f"`{names.STAGE_DIMENSION}={settings.prefix}`. The API's `GET /status/page` shows the "
        "stream's state, terms and last errors; `GET /status` says the same in JSON."
    )


def _fn(metric: str, function: str, label: str) -> Metric:
    return [LAMBDA, metric, "FunctionName", function, {"label": label}]


def _throttles(tables: Sequence[str]) -> list[Metric]:
    """One line: read and write throttle events summed over every table."""
    metrics: list[Metric] = [
        [{"expression": "SUM(METRICS())", "label": "all tables", "id": "total"}]
    ]
    for index, table in enumerate(tables):
        for kind in ("Read", "Write"):
            options = {"id": f"{kind[0].lower()}{index}", "visible": False}
            metrics.append([DYNAMODB, f"{kind}ThrottleEvents", "TableName", table, options])
    return metrics


def _layout(rows: Sequence[Sequence[Widget]]) -> list[dict[str, Any]]:
    """Place each row's widgets left to right on CloudWatch's 24-column grid."""
    placed: list[dict[str, Any]] = []
    y = 0
    for row in rows:
        x = 0
        for widget in row:
            if x + widget.width > GRID_WIDTH:
                raise ValueError(f"the row at y={y} is wider than {GRID_WIDTH} columns")
            placed.append(
                {
                    "type": widget.kind,
                    "x": x,
                    "y": y,
                    "width": widget.width,
                    "height": widget.height,
                    "properties": widget.properties,
                }
            )
            x += widget.width
        y += max(widget.height for widget in row)
    return placed
