"""The consumer's Powertools logger and its per-invocation metrics (EMF).

Metrics are written as CloudWatch Embedded Metric Format lines on stdout, which
Lambda ships to CloudWatch Logs and CloudWatch turns into metrics: no API call
on the hot path. Each invocation gets its own EMF provider instead of the
shared ``Metrics`` singleton, because the local runner invokes the handler for
several shards at once and one shared metric set would mix their counts.

Locally no log pipeline turns EMF into metrics, so the local runner registers
a listener (:func:`add_listener`) that receives every invocation's counts and
puts them to the local CloudWatch itself (``tools.eventsource.localmetrics``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)

from chalicelib.core import metricnames as names
from chalicelib.core.settings import Settings

SERVICE: Final = "streamfeed-consumer"

#: The consumer's logger; ``app.py`` injects the Lambda context through middleware.
logger: Final = Logger(service=SERVICE)


@dataclass
class Counts:
    """What one invocation did (also the runner's and the tests' view of it).

    Each count is taken where the work is committed, so a record redone after a
    failure counts nothing twice (see ``chalicelib.consumer.service``).
    """

    #: Tweet rows written: tweets seen for the first time.
    tweets_stored: int = 0
    #: Tweets already stored under all their terms (a redelivery, a replay, an
    #: X backfill overlap), and repeats of a tweet within one record.
    duplicates_skipped: int = 0
    #: Feed items delivered, one per (tweet, recipient), counted once the
    #: tweet's row (or its newly matched terms) is written. A fan-out redone
    #: after a failure rewrites the same items and is counted by the redo only.
    feed_items_written: int = 0
    #: Records and lines sent to the dead-letter queue.
    records_quarantined: int = 0
    #: Per record: milliseconds from the streamer reading its oldest line to now.
    lag_ms: list[float] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        self.tweets_stored += other.tweets_stored
        self.duplicates_skipped += other.duplicates_skipped
        self.feed_items_written += other.feed_items_written
        self.records_quarantined += other.records_quarantined
        self.lag_ms.extend(other.lag_ms)


def count_metrics(counts: Counts) -> dict[str, int]:
    """The invocation's counters by metric name (unit Count); zeros included."""
    return {
        names.TWEETS_STORED: counts.tweets_stored,
        names.DUPLICATES_SKIPPED: counts.duplicates_skipped,
        names.FEED_ITEMS_WRITTEN: counts.feed_items_written,
        names.RECORDS_QUARANTINED: counts.records_quarantined,
    }


Listener = Callable[[Settings, Counts], None]
_listeners: list[Listener] = []
_listeners_lock = threading.Lock()


def add_listener(listener: Listener) -> None:
    """Also hand every invocation's counts to ``listener`` (the local runner's forwarder)."""
    with _listeners_lock:
        _listeners.append(listener)


def remove_listener(listener: Listener) -> None:
    with _listeners_lock:
        if listener in _listeners:
            _listeners.remove(listener)


def publish(settings: Settings, counts: Counts) -> None:
    """Print one EMF document with the invocation's counts (zeros included), tell listeners.

    Zeros are published on purpose: a dashboard then shows "nothing stored"
    rather than a gap, and an alarm on quarantined records has data to judge.
    The lag is the invocation's worst record; absent when nothing was read.
    """
    emf = AmazonCloudWatchEMFProvider(namespace=settings.metrics_namespace)
    # Powertools adds a "service" dimension (from POWERTOOLS_SERVICE_NAME) when a
    # service is set; every streamfeed metric has the one dimension Stage instead.
    emf.service = ""
    emf.add_dimension(names.STAGE_DIMENSION, settings.prefix)
    for name, value in count_metrics(counts).items():
        emf.add_metric(name, MetricUnit.Count, value)
    if counts.lag_ms:
        emf.add_metric(names.CONSUMER_LAG_MS, MetricUnit.Milliseconds, max(counts.lag_ms))
    emf.flush_metrics()
    with _listeners_lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(settings, counts)
        except Exception:
            logger.exception("a metrics listener failed")
