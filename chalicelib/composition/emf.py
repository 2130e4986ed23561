"""The consumer's metrics, locally: read its EMF lines, count them, forward them.

On AWS the consumer's Embedded Metric Format lines go from stdout to CloudWatch
Logs, and CloudWatch turns them into metrics; the status page and dashboard
read those. Locally nothing does that, so ``GET /status`` would show no
stored tweets. :class:`MetricsBridge` plays CloudWatch's part: it follows the
consumer's log file, parses each EMF document (:func:`parse_emf`, pure), keeps
running totals for the demo's live summary, and puts the same data points into
the local CloudWatch (moto) with ``PutMetricData``.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from chalicelib.telemetry import names

log = logging.getLogger(__name__)

#: PutMetricData takes at most 1,000 data points per call.
_MAX_DATUMS: Final = 500
_COUNTERS: Final = {
    names.TWEETS_STORED: "tweets_stored",
    names.DUPLICATES_SKIPPED: "duplicates_skipped",
    names.FEED_ITEMS_WRITTEN: "feed_items_written",
    names.RECORDS_QUARANTINED: "records_quarantined",
}


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class EmfDocument:
    """One EMF line: its namespace, time, dimension values and metrics."""

    namespace: str
    timestamp_ms: int
    dimensions: dict[str, str]
    metrics: tuple[Metric, ...]


def parse_emf(line: str) -> EmfDocument | None:
    """The EMF document on ``line``, or None for any other line (logs, noise)."""
    text = line.strip()
    if not text.startswith("{") or '"_aws"' not in text:
        return None
    try:
        body = json.loads(text)
        meta = body["_aws"]
        directive = meta["CloudWatchMetrics"][0]
        keys = {key for group in directive.get("Dimensions", []) for key in group}
        metrics = tuple(
            Metric(m["Name"], m.get("Unit", "None"), _values(body[m["Name"]]))
            for m in directive["Metrics"]
            if m["Name"] in body
        )
        return EmfDocument(
            namespace=str(directive["Namespace"]),
            timestamp_ms=int(meta["Timestamp"]),
            dimensions={key: str(body[key]) for key in sorted(keys) if key in body},
            metrics=metrics,
        )
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _values(raw: Any) -> tuple[float, ...]:
    items: list[Any] = raw if isinstance(raw, list) else [raw]
    return tuple(float(value) for value in items)


def metric_data(doc: EmfDocument) -> list[dict[str, Any]]:
    """The ``PutMetricData`` entries CloudWatch would extract from ``doc``."""
    when = datetime.fromtimestamp(doc.timestamp_ms / 1000, UTC)
    dimensions = [{"Name": k, "Value": v} for k, v in doc.dimensions.items()]
    return [
        {
            "MetricName": metric.name,
            "Dimensions": dimensions,
            "Timestamp": when,
            "Values": list(metric.values),
            "Unit": metric.unit,
        }
        for metric in doc.metrics
    ]


@dataclass(frozen=True)
class ConsumerTotals:
    """What the consumer reported since the bridge started."""

    tweets_stored: int = 0
    duplicates_skipped: int = 0
    feed_items_written: int = 0
    records_quarantined: int = 0
    #: The latest invocation's worst lag (streamer read to stored), in ms.
    last_lag_ms: float | None = None
    invocations: int = 0

    def add(self, doc: EmfDocument) -> ConsumerTotals:
        counts: dict[str, Any] = {"invocations": self.invocations + 1}
        for metric in doc.metrics:
            attribute = _COUNTERS.get(metric.name)
            if attribute is not None:
                counts[attribute] = getattr(self, attribute) + int(sum(metric.values))
            elif metric.name == names.CONSUMER_LAG_MS and metric.values:
                counts["last_lag_ms"] = max(metric.values)
        return replace(self, **counts)


@dataclass
class LogTail:
    """New complete lines of a growing file, from where it was when created."""

    path: Path
    offset: int = -1
    _partial: bytes = field(default=b"", repr=False)

    def __post_init__(self) -> None:
        if self.offset < 0:
            self.offset = self.path.stat().st_size if self.path.exists() else 0

    def read(self) -> list[str]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        data = self._partial + data
        *lines, self._partial = data.split(b"\n")
        return [line.decode("utf-8", "replace") for line in lines]


class MetricsBridge:
    """Follows the consumer's log; totals for the summary, data points for CloudWatch."""

    def __init__(self, path: Path, cloudwatch: Any | None, every: float = 0.5) -> None:
        self.tail = LogTail(path)
        self.cloudwatch = cloudwatch
        self.every = every
        self._totals = ConsumerTotals()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def totals(self) -> ConsumerTotals:
        with self._lock:
            return self._totals

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="emf-bridge", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.poll()  # the lines written while stopping

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.poll()

    def poll(self) -> None:
        """Read what is new, count it and forward it (forwarding failures are only logged)."""
        docs = [doc for doc in map(parse_emf, self.tail.read()) if doc is not None]
        if not docs:
            return
        with self._lock:
            for doc in docs:
                self._totals = self._totals.add(doc)
        if self.cloudwatch is not None:
            self._forward(self.cloudwatch, docs)

    def _forward(self, client: Any, docs: list[EmfDocument]) -> None:
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for doc in docs:
            by_namespace.setdefault(doc.namespace, []).extend(metric_data(doc))
        for namespace, data in by_namespace.items():
            for start in range(0, len(data), _MAX_DATUMS):
                try:
                    client.put_metric_data(
                        Namespace=namespace, MetricData=data[start : start + _MAX_DATUMS]
                    )
                except Exception as exc:  # noqa: BLE001 - metrics must never stop the demo
                    log.warning("could not forward consumer metrics: %s", exc)
                    return
