"""The local runner's metrics: what the handler counted, put to the local CloudWatch.

On AWS the consumer's EMF lines go from stdout to CloudWatch Logs, and
CloudWatch turns them into metrics that the status page and the dashboard
read. Locally nothing reads those lines, so the status page would show no
stored tweets and no lag. ``streamfeed consume`` therefore registers a
:class:`CloudWatchForwarder` as a telemetry listener: it adds up the counts of
its stage's invocations and puts them to CloudWatch (moto) with PutMetricData,
under the names, namespace and ``Stage`` dimension the Lambda's EMF uses.

It sends one call every few seconds rather than one per invocation: moto keeps
every data point and reads them all back for each query, and the status page
only looks at minutes. Lag goes out as statistic values (count, sum, minimum,
maximum of the invocations' worst lags), so every statistic of the metric is
what the same invocations would have given through EMF.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from chalicelib.consumer.telemetry import Counts, count_metrics
from chalicelib.core import metricnames as names
from chalicelib.core.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.type_defs import DimensionTypeDef, MetricDatumTypeDef

log = logging.getLogger(__name__)


@dataclass
class Totals:
    """Counts of the invocations since the last put."""

    invocations: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    #: Each invocation's worst lag (what its EMF document carries).
    lags: list[float] = field(default_factory=list)

    def add(self, counts: Counts) -> None:
        self.invocations += 1
        for name, value in count_metrics(counts).items():
            self.counts[name] = self.counts.get(name, 0) + value
        if counts.lag_ms:
            self.lags.append(max(counts.lag_ms))

    def merge(self, other: Totals) -> None:
        self.invocations += other.invocations
        for name, value in other.counts.items():
            self.counts[name] = self.counts.get(name, 0) + value
        self.lags += other.lags


def metric_data(totals: Totals, stage: str, at: datetime) -> list[MetricDatumTypeDef]:
    """PutMetricData entries for ``totals`` (none when no invocation happened)."""
    if not totals.invocations:
        return []
    dimensions: list[DimensionTypeDef] = [{"Name": names.STAGE_DIMENSION, "Value": stage}]
    data: list[MetricDatumTypeDef] = [
        {
            "MetricName": name,
            "Dimensions": dimensions,
            "Timestamp": at,
            "Value": float(value),
            "Unit": "Count",
        }
        for name, value in totals.counts.items()
    ]
    if totals.lags:
        data.append(
            {
                "MetricName": names.CONSUMER_LAG_MS,
                "Dimensions": dimensions,
                "Timestamp": at,
                "StatisticValues": {
                    "SampleCount": float(len(totals.lags)),
                    "Sum": float(sum(totals.lags)),
                    "Minimum": float(min(totals.lags)),
                    "Maximum": float(max(totals.lags)),
                },
                "Unit": "Milliseconds",
            }
        )
    return data


class CloudWatchForwarder:
    """A telemetry listener for one stage; :meth:`flush` puts what it heard."""

    def __init__(
        self,
        client: CloudWatchClient,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.namespace = settings.metrics_namespace
        self.stage = settings.prefix
        self.clock = clock
        self._pending = Totals()
        self._lock = threading.Lock()

    def __call__(self, settings: Settings, counts: Counts) -> None:
        if (settings.prefix, settings.metrics_namespace) != (self.stage, self.namespace):
            return  # another stage's handler in the same process
        with self._lock:
            self._pending.add(counts)

    def flush(self) -> None:
        """Put the counts heard since the last flush; on failure keep them for the next."""
        with self._lock:
            taken, self._pending = self._pending, Totals()
        data = metric_data(taken, self.stage, self.clock())
        if not data:
            return
        try:
            self.client.put_metric_data(Namespace=self.namespace, MetricData=data)
        except Exception as exc:  # noqa: BLE001 - metrics must never stop the consumer
            log.warning("could not put the consumer's metrics to CloudWatch: %s", exc)
            with self._lock:
                self._pending.merge(taken)
