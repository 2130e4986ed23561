"""The streamer's control loop: lease, rules, connection, status, shutdown.

Every ``poll_interval`` it renews the lease, reads the terms, syncs X's rules
with them while staying connected, connects or disconnects as terms come and
go, and writes the status record. The connection itself runs in tweepy's
thread and feeds the pipeline. Terms, lease, status and metrics come through
a :class:`~streamer.control.Control` (the cloud's, or the offline one), so
this loop is the same in both.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import tweepy

from chalicelib.core import metricnames as names
from chalicelib.core.settings import Settings
from streamer import rulesync
from streamer.control import Control
from streamer.heartbeat import status_data
from streamer.pipeline import Pipeline
from streamer.xstream import RawStream

log = logging.getLogger(__name__)


MIN_LEASE_TTL = 5.0


class KeySetLike(Protocol):
    """What the streamer needs of a key set (see ``chalicelib.core.keysets``)."""

    @property
    def name(self) -> str: ...
    @property
    def bearer_token(self) -> str: ...


class StreamerError(RuntimeError):
    """The streamer cannot go on (bad credentials, no key set…): one line."""


@dataclass
class StreamOptions:
    poll_interval: float = 10.0
    sample: bool = False
    stall_timeout: float = 30.0
    backfill_minutes: int = 0
    #: The lease expires after this many missed renewals.
    lease_renewals: int = 3
    close_timeout: float = 20.0
    metrics_every: float = 60.0
    #: How the X adapter waits out a 429 (tests shrink it).
    sleep: Callable[[float], None] = time.sleep


def lease_ttl(options: StreamOptions) -> float:
    """Three missed renewals, with a floor so a slow tick on a busy host never looks dead."""
    return max(options.poll_interval * options.lease_renewals, MIN_LEASE_TTL)


@dataclass
class Streamer:
    settings: Settings
    keyset: KeySetLike
    pipeline: Pipeline
    options: StreamOptions
    shipped: Callable[[], int]
    control: Control
    spool_depth: Callable[[], int] = lambda: 0
    stop_event: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.lease = self.control.lease
        self.holder = self.lease.holder
        self.stream: RawStream | None = None
        self.state = "down"
        self.active_terms = 0
        self._thread: threading.Thread | None = None
        self._held = False
        self._took_over = False
        self._last_metrics = 0.0

    # -- the loop ----------------------------------------------------------
    def run(self) -> None:
        """Until ``stop_event`` is set; raises StreamerError on a fatal condition."""
        self.pipeline.sink.start()
        try:
            while not self.stop_event.is_set():
                self.tick()
                self.stop_event.wait(self.options.poll_interval)
        finally:
            self.shutdown()

    def tick(self) -> None:
        """One poll: lease, terms, rules, connection, status."""
        if not self._hold_lease():
            self.state = "standby"
            self._disconnect()
            self._write_status()
            return
        stream = self._ensure_client()
        if stream.stats.fatal:
            self.state = "down"
            self._write_status()
            raise StreamerError(stream.stats.fatal)
        if self.options.sample:
            self._connect(stream)
        else:
            desired = self.control.terms.desired()
            result = self._sync_rules(stream, desired)
            if stream.stats.fatal:
                self.state = "down"
                self._write_status()
                raise StreamerError(stream.stats.fatal)
            if result is not None:
                self.control.terms.record(result)
                self.active_terms = len(result.active)
            # If X's rules API is away, keep streaming on the rules X already has.
            if result.active if result is not None else desired:
                self._connect(stream)
            else:
                self._disconnect()
                self.state = "waiting-for-terms"
        self._write_status()
        self._publish_metrics()

    def _hold_lease(self) -> bool:
        try:
            previous = None if self._held else self.lease.last_holder()
            held = self.lease.acquire()
        except Exception as exc:  # noqa: BLE001 - DynamoDB away: keep streaming
            log.warning("lease renewal failed: %s", exc)
            return self._held
        if held and not self._held and previous not in (None, self.holder):
            # A holder died without releasing: ask X for what it missed.
            self._took_over = True
        self._held = held
        return held

    def _ensure_client(self) -> RawStream:
        if self.stream is None:
            self.stream = RawStream(
                self.keyset.bearer_token,
                on_line=self.pipeline.handle,
                base_url=self.settings.x_api_url,
                stall_timeout=self.options.stall_timeout,
                sleep=self.options.sleep,
            )
        return self.stream

    def _sync_rules(self, stream: RawStream, desired: dict[str, str]) -> rulesync.SyncResult | None:
        try:
            return rulesync.sync(stream, desired)
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            stream.stats.fatal = f"X refused the credentials (HTTP {exc.response.status_code})"
            return None
        except Exception as exc:  # noqa: BLE001 - X's rules API away: keep the stream
            stream.stats.last_error = f"rule sync failed: {type(exc).__name__}: {exc}"
            stream.stats.last_error_at = time.time()
            log.warning("rule sync failed: %s", exc)
            return None

    def _connect(self, stream: RawStream) -> None:
        if self._thread is not None and self._thread.is_alive():
            self.state = "connected" if stream.connected else "backing-off"
            return
        backfill = self.options.backfill_minutes
        if self._took_over:
            gap = self.lease.ttl + self.options.poll_interval
            backfill = max(backfill, backfill_for(gap))
        self._took_over = False
        self._thread = stream.start(sample=self.options.sample, backfill_minutes=backfill)
        self.state = "backing-off"
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and not stream.connected and self._thread.is_alive():
            time.sleep(0.02)
        if stream.connected:
            self.state = "connected"

    def _disconnect(self) -> None:
        stream = self.stream
        if stream is not None and self._thread is not None:
            stream.hang_up()
            self._thread.join(timeout=max(5.0, self.options.stall_timeout + 5))
            self._thread = None

    # -- reporting ---------------------------------------------------------
    def _write_status(self) -> None:
        stats = self.stream.stats if self.stream else None
        counters = self.pipeline.counters
        errors = [
            (counters.last_error_at or 0, counters.last_error),
            ((stats.last_error_at or 0) if stats else 0, stats.last_error if stats else None),
        ]
        last_at, last_error = max(errors, key=lambda e: e[0])
        data = status_data(
            state=self.state,
            now=time.time(),
            counters=counters,
            shipped=self.shipped(),
            spool_depth=self.spool_depth(),
            connected_since=stats.connected_since if stats else None,
            active_terms=self.active_terms,
            lease_holder=self.holder if self._held else self.lease.current_holder(),
            poll_interval=self.options.poll_interval,
            reconnects=max(0, stats.connects - 1) if stats else 0,
            last_error=last_error,
            last_error_at=last_at or None,
        )
        if self.state == "standby":
            return  # the holder owns the status record
        try:
            self.control.status.write(data)
        except Exception as exc:  # noqa: BLE001 - status must never stop the stream
            log.warning("could not write status: %s", exc)

    def _publish_metrics(self, force: bool = False) -> None:
        now = time.monotonic()
        metrics = self.control.metrics
        if metrics is None or (not force and now - self._last_metrics < self.options.metrics_every):
            return
        self._last_metrics = now
        stats = self.stream.stats if self.stream else None
        counters = self.pipeline.counters
        totals: dict[str, float] = {
            names.TWEETS_RECEIVED: counters.received,
            names.TWEETS_SHIPPED: self.shipped(),
            names.BAD_LINES: counters.bad_lines,
            names.STREAM_ERRORS: counters.stream_errors + (stats.http_errors if stats else 0),
            names.RECONNECTS: max(0, stats.connects - 1) if stats else 0,
        }
        gauges: dict[str, float] = {
            names.SPOOL_DEPTH: self.spool_depth(),
            names.STREAM_CONNECTED: 1.0 if self.state == "connected" else 0.0,
        }
        metrics.publish(totals, gauges)

    # -- shutdown ----------------------------------------------------------
    def shutdown(self) -> None:
        """Disconnect, flush the sink, release the lease: what SIGTERM asks for."""
        self._disconnect()
        self.pipeline.sink.close(self.options.close_timeout)
        if self._held:
            self.state = "down"
            self._write_status()
            self._publish_metrics(force=True)
            self.lease.release()
            self._held = False


def backfill_for(gap_seconds: float) -> int:
    """Minutes of backfill that cover a gap, within X's 0-5 range."""
    return max(0, min(5, math.ceil(gap_seconds / 60.0)))
