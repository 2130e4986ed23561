"""The fake X server in this process, with a rate that can change and exact ground truth.

The composition streams from it through ``x_api_url`` (the path it offers for
"a fake started elsewhere"), so the streamer, consumer and API are the real
child processes while this process keeps the fake's engine at hand:

* :class:`SteppedTimeline` lets a scenario raise the tweet rate (the 10x
  burst) without restarting X: slots keep their ids, times only move forward.
* :meth:`ChaosFakeX.emitted` lists every tweet X had for our rules in a slot
  range, sent or not. The ledger only shows what went out on a connection;
  tweets X published while we were disconnected are in neither, so "lost"
  is computed against this, the fake's own timeline.
* :func:`bad_line` swaps the line the ``Malformed`` fault sends, for
  oversized or otherwise broken lines.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tools.fakex import stream as fake_stream
from tools.fakex.engine import WINDOW
from tools.fakex.testing import FakeX
from tools.fakex.timeline import Timeline


@dataclass(frozen=True)
class _Step:
    slot: int
    at: float
    rate: float


class SteppedTimeline(Timeline):
    """A timeline whose rate changes at given moments (piecewise constant)."""

    def __init__(self, start: float, rate: float, worker: int = 0) -> None:
        super().__init__(start, rate, worker)
        self._steps: tuple[_Step, ...] = (_Step(0, start, rate),)
        self._change = threading.Lock()

    def set_rate(self, rate: float, now: float) -> None:
        """From ``now`` on, ``rate`` tweets a second; earlier slots keep their times."""
        if rate <= 0 or not math.isfinite(rate):
            raise ValueError("a stepped timeline needs a positive rate")
        with self._change:
            slot = self.due(now)
            self._steps = (*self._steps, _Step(slot, max(now, self.time_of(slot - 1)), rate))
            self.rate = rate

    def _step_for_slot(self, slot: int) -> _Step:
        steps = self._steps
        index = bisect.bisect_right([s.slot for s in steps], slot) - 1
        return steps[max(0, index)]

    def _step_for_time(self, when: float) -> _Step:
        steps = self._steps
        index = bisect.bisect_right([s.at for s in steps], when) - 1
        return steps[max(0, index)]

    def time_of(self, slot: int) -> float:
        step = self._step_for_slot(slot)
        return step.at + (slot - step.slot) / step.rate

    def due(self, now: float) -> int:
        if now < self.start:
            return 0
        step = self._step_for_time(now)
        return step.slot + math.floor((now - step.at) * step.rate) + 1

    def first_at_or_after(self, when: float) -> int:
        if when <= self.start:
            return 0
        step = self._step_for_time(when)
        slot = max(step.slot, step.slot + math.ceil((when - step.at) * step.rate))
        while slot > 0 and self.time_of(slot - 1) >= when:
            slot -= 1
        while self.time_of(slot) < when:
            slot += 1
        return slot


class ChaosFakeX(FakeX):
    """:class:`FakeX` on a :class:`SteppedTimeline`, with the ground truth of what it emitted."""

    def __init__(
        self, *, rate: float, keepalive: float = 1.0, seed: int = 0, rate_limit_window: int = WINDOW
    ) -> None:
        super().__init__(
            rate=rate, keepalive=keepalive, seed=seed, rate_limit_window=rate_limit_window
        )
        timeline = SteppedTimeline(self.engine.timeline.start, rate, worker=0)
        self.engine.timelines["filtered"] = timeline
        self.engine.timeline = timeline
        self.timeline = timeline

    def set_rate(self, rate: float) -> None:
        self.timeline.set_rate(rate, self.engine.clock())

    def slot_now(self) -> int:
        """The first slot that has not happened yet."""
        return self.timeline.due(self.engine.clock())

    def emitted(self, first: int, end: int) -> dict[str, list[str]]:
        """Tweets X had for the rules in force in slots ``first .. end-1``: id -> rule tags."""
        source = self.engine.sources["filtered"]
        out: dict[str, list[str]] = {}
        for slot in range(first, end):
            entry = source.entry(slot)
            if entry is None:
                continue
            tweet_id = entry.tweet_id if entry.tweet_id is not None else self.timeline.id_of(slot)
            out[str(tweet_id)] = [str(rule.get("tag") or "") for rule in entry.matching_rules or []]
        return out


@contextmanager
def bad_line(line: bytes) -> Iterator[None]:
    """While inside, the ``Malformed`` fault sends ``line`` (CRLF added) instead of its own."""
    original = fake_stream._MALFORMED
    fake_stream._MALFORMED = line.rstrip(b"\r\n") + b"\r\n"  # type: ignore[misc]
    try:
        yield
    finally:
        fake_stream._MALFORMED = original  # type: ignore[misc]
