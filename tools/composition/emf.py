"""The consumer's metrics as the demo sees them: its EMF lines, read from its log.

On AWS the consumer's Embedded Metric Format lines go from stdout to CloudWatch
Logs, which turns them into metrics. Locally ``streamfeed consume`` puts its
counts to the local CloudWatch itself (for ``GET /status``); the composition
only needs running totals for the demo's live summary and for tests, without
a CloudWatch round trip. :class:`EmfReader` follows the consumer's log
file, parses each EMF document (:func:`parse_emf`, pure) and adds it up. It
reads the very lines Lambda would ship, so the totals are the Lambda's counts.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from chalicelib.core import metricnames as names

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


@dataclass(frozen=True)
class ConsumerTotals:
    """What the consumer reported since the reader started."""

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


class EmfReader:
    """Follows the consumer's log in a thread and keeps its totals."""

    def __init__(self, path: Path, every: float = 0.5) -> None:
        self.tail = LogTail(path)
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
        self._thread = threading.Thread(target=self._run, name="emf-reader", daemon=True)
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
        """Read what is new and add it up."""
        docs = [doc for doc in map(parse_emf, self.tail.read()) if doc is not None]
        with self._lock:
            for doc in docs:
                self._totals = self._totals.add(doc)
