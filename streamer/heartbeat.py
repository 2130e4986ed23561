"""The streamer's status record and CloudWatch metrics.

The API's ``GET /status`` and the status page read the record; its shape is
the contract between them. There is one record per key set
(``pk="streamer", sk="status#<key set>"``): two streamers on different key
sets stream at the same time, and with one shared record each overwrote the
other's every poll. Metrics go out once a minute as deltas, in the project's
one namespace, so the dashboard and alarms see the same numbers.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.core import metricnames as names
from chalicelib.core.models import ControlRecord
from chalicelib.core.times import iso_text
from chalicelib.core.version import __version__

log = logging.getLogger(__name__)

STATES = ("connected", "waiting-for-terms", "backing-off", "standby", "down")
STATUS_PK = "streamer"
#: ``chalicelib.status.report`` reads the same keys (it is not in the image, hence the copy).
STATUS_SK_PREFIX = "status#"


def iso(ts: float | None) -> str | None:
    return None if ts is None else iso_text(datetime.fromtimestamp(ts, UTC))


@dataclass
class Counters:
    """Running totals of one streamer process."""

    received: int = 0
    bad_lines: int = 0
    stream_errors: int = 0
    last_tweet_at: float | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    #: (time, received) samples for the per-minute rate.
    samples: list[tuple[float, int]] = field(default_factory=list)

    def rate_per_min(self, now: float) -> float:
        self.samples.append((now, self.received))
        self.samples = [s for s in self.samples if now - s[0] <= 60.0]
        then, count = self.samples[0]
        span = now - then
        return round((self.received - count) * 60.0 / span, 1) if span > 0 else 0.0


def status_data(
    *,
    state: str,
    now: float,
    counters: Counters,
    shipped: int,
    spool_depth: int,
    connected_since: float | None,
    active_terms: int,
    lease_holder: str | None,
    poll_interval: float,
    reconnects: int,
    last_error: str | None,
    last_error_at: float | None,
) -> dict[str, Any]:
    return {
        "state": state,
        "heartbeat_at": iso(now),
        "connected_since": iso(connected_since),
        "received": counters.received,
        "shipped": shipped,
        "rate_per_min": counters.rate_per_min(now),
        "last_tweet_at": iso(counters.last_tweet_at),
        "last_error": last_error,
        "last_error_at": iso(last_error_at),
        "active_terms": active_terms,
        "lease_holder": lease_holder,
        "host": socket.gethostname(),
        "version": __version__,
        "poll_interval": poll_interval,
        "bad_lines": counters.bad_lines,
        "spool_depth": spool_depth,
        "reconnects": reconnects,
    }


def status_sk(key_set: str) -> str:
    return f"{STATUS_SK_PREFIX}{key_set}"


@dataclass(frozen=True)
class StatusRecord:
    """One key set's status record in the ``control`` table; the data names its key set."""

    model: type[ControlRecord]
    key_set: str

    def write(self, data: dict[str, Any]) -> None:
        record = {**data, "key_set": self.key_set}
        self.model(
            STATUS_PK, sk=status_sk(self.key_set), data=record, updated_at=datetime.now(UTC)
        ).save()


@dataclass
class MetricsPublisher:
    """Publishes deltas of the counters once a minute."""

    client: Any
    namespace: str
    stage: str
    _last: dict[str, float] = field(default_factory=dict)

    def publish(self, totals: dict[str, float], gauges: dict[str, float]) -> None:
        data = []
        for name, total in totals.items():
            data.append(self._datum(name, total - self._last.get(name, 0.0)))
            self._last[name] = total
        data += [self._datum(name, value) for name, value in gauges.items()]
        try:
            self.client.put_metric_data(Namespace=self.namespace, MetricData=data)
        except Exception as exc:  # noqa: BLE001 - metrics must never stop the stream
            log.warning("could not publish metrics: %s", exc)

    def _datum(self, name: str, value: float) -> dict[str, Any]:
        return {
            "MetricName": name,
            "Dimensions": [{"Name": names.STAGE_DIMENSION, "Value": self.stage}],
            "Value": float(value),
            "Unit": "Count",
        }
