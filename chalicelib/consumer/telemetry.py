"""The consumer's Powertools logger and its per-invocation metrics (EMF).

Metrics are written as CloudWatch Embedded Metric Format lines on stdout, which
Lambda ships to CloudWatch Logs and CloudWatch turns into metrics: no API call
on the hot path. Each invocation gets its own EMF provider instead of the
shared ``Metrics`` singleton, because the local runner invokes the handler for
several shards at once and one shared metric set would mix their counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)

from chalicelib.settings import Settings
from chalicelib.telemetry import names

SERVICE: Final = "streamfeed-consumer"

#: The consumer's logger; ``app.py`` injects the Lambda context through middleware.
logger: Final = Logger(service=SERVICE)


@dataclass
class Counts:
    """What one invocation did (also the runner's and the tests' view of it)."""

    tweets_stored: int = 0
    duplicates_skipped: int = 0
    feed_items_written: int = 0
    records_quarantined: int = 0
    lag_ms: list[float] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        self.tweets_stored += other.tweets_stored
        self.duplicates_skipped += other.duplicates_skipped
        self.feed_items_written += other.feed_items_written
        self.records_quarantined += other.records_quarantined
        self.lag_ms.extend(other.lag_ms)


def publish(settings: Settings, counts: Counts) -> None:
    """Print one EMF document with the invocation's counts (zeros included).

    Zeros are published on purpose: a dashboard then shows "nothing stored"
    rather than a gap, and an alarm on quarantined records has data to judge.
    """
    emf = AmazonCloudWatchEMFProvider(namespace=settings.metrics_namespace)
    # Powertools adds a "service" dimension (from POWERTOOLS_SERVICE_NAME) when a
    # service is set; every streamfeed metric has the one dimension Stage instead.
    emf.service = ""
    emf.add_dimension(names.STAGE_DIMENSION, settings.prefix)
    emf.add_metric(names.TWEETS_STORED, MetricUnit.Count, counts.tweets_stored)
    emf.add_metric(names.DUPLICATES_SKIPPED, MetricUnit.Count, counts.duplicates_skipped)
    emf.add_metric(names.FEED_ITEMS_WRITTEN, MetricUnit.Count, counts.feed_items_written)
    emf.add_metric(names.RECORDS_QUARANTINED, MetricUnit.Count, counts.records_quarantined)
    if counts.lag_ms:
        emf.add_metric(names.CONSUMER_LAG_MS, MetricUnit.Milliseconds, max(counts.lag_ms))
    emf.flush_metrics()
