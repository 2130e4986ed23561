"""The demo's one-line live summary: is it streaming, and does data flow through?

Sources are the ones an operator trusts elsewhere: the streamer's status
record (state, tweets received; judged stale like the status page does) and
the consumer's own metrics (stored, feed items, lag). Rates are deltas over a
short sliding window, so the line settles within seconds of a change.
:func:`render` is pure.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from chalicelib.core.times import parse_iso
from chalicelib.status.report import judge_stream
from tools.composition.emf import ConsumerTotals

#: Seconds of samples the rates are averaged over.
WINDOW: Final = 10.0


@dataclass(frozen=True)
class Sample:
    at: float
    state: str
    received: int
    stored: int
    feed_items: int
    lag_ms: float | None


def sample(
    at: float,
    record: dict[str, Any] | None,
    totals: ConsumerTotals,
    poll_interval: float,
    since: datetime,
) -> Sample:
    """One observation from the streamer's record and the consumer's totals.

    A record older than ``since`` (the demo's start) is a previous run's: the
    streamer has not reported yet, and its counts are not this run's.
    """
    beat = parse_iso((record or {}).get("heartbeat_at"))
    if record is None or beat is None or beat < since:
        state, received = "starting", 0
    else:
        state = judge_stream(record, datetime.now(UTC), poll_interval).state
        received = int(record.get("received") or 0)
    return Sample(
        at=at,
        state=state,
        received=received,
        stored=totals.tweets_stored,
        feed_items=totals.feed_items_written,
        lag_ms=totals.last_lag_ms,
    )


class Rates:
    """Recent samples; per-second rates between the oldest and newest in the window."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self.samples: deque[Sample] = deque()

    def add(self, new: Sample) -> None:
        self.samples.append(new)
        while len(self.samples) > 2 and new.at - self.samples[0].at > self.window:
            self.samples.popleft()

    def per_second(self, field: str) -> float:
        if len(self.samples) < 2:
            return 0.0
        first, last = self.samples[0], self.samples[-1]
        span = last.at - first.at
        delta = getattr(last, field) - getattr(first, field)
        # A restarted streamer counts from zero again: no negative rates.
        return max(0.0, delta / span) if span > 0 else 0.0


def render(rates: Rates, clock: str) -> str:
    """``12:00:01  connected · received 5.0/s (120) · stored … · lag 0.4 s``."""
    if not rates.samples:
        return f"{clock}  starting…"
    last = rates.samples[-1]
    lag = f"{last.lag_ms / 1000:.1f} s" if last.lag_ms is not None else "n/a"
    parts = [
        f"received {rates.per_second('received'):.1f}/s ({last.received:,})",
        f"stored {rates.per_second('stored'):.1f}/s ({last.stored:,})",
        f"feed items {rates.per_second('feed_items'):.1f}/s ({last.feed_items:,})",
        f"lag {lag}",
    ]
    return f"{clock}  {last.state:<9} · " + " · ".join(parts)
