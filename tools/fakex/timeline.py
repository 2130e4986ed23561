"""When tweets happen: slot ``k`` occurs at ``start + k / rate``.

Tweets exist on this timeline whether or not anyone is connected, as on X: a
client that reconnects has missed the slots in between, and ``backfill_minutes``
re-sends recent slots. Each slot's snowflake id comes from its own time and its
rank within that millisecond, so ids increase with time, never repeat, and the
same slot always gets the same id (backfill re-sends it unchanged). As in X's
layout, bits 12-21 hold a worker id: each stream has its own, so the filtered
and sample streams never give one id to two different tweets.
"""

from __future__ import annotations

import math
import threading

from tools.fakex.snowflake import snowflake

#: Tweets per millisecond a worker can number (X's 12-bit sequence).
PER_MS = 4096
WORKERS = 1024


class Timeline:
    """Maps slots to times and ids for a fixed rate (tweets per second)."""

    def __init__(self, start: float, rate: float, worker: int = 0) -> None:
        if rate < 0 or not math.isfinite(rate) or rate >= PER_MS * 1000:
            raise ValueError(f"rate must be a number from 0 to below {PER_MS * 1000}")
        if not 0 <= worker < WORKERS:
            raise ValueError("worker id out of range")
        self.start = start
        self.rate = rate
        self.worker = worker
        self._lock = threading.Lock()
        self._first_of_ms: tuple[int, int] = (-1, 0)  # (ms, first slot in that ms)

    def time_of(self, slot: int) -> float:
        return self.start + slot / self.rate if self.rate else math.inf

    def ms_of(self, slot: int) -> int:
        return int(self.time_of(slot) * 1000)

    def due(self, now: float) -> int:
        """Number of slots that have happened by ``now`` (slots ``0 .. due-1``)."""
        if self.rate == 0 or now < self.start:
            return 0
        return math.floor((now - self.start) * self.rate) + 1

    def first_at_or_after(self, when: float) -> int:
        """The first slot whose time is ``>= when``."""
        if self.rate == 0:
            return 0
        slot = max(0, math.ceil((when - self.start) * self.rate))
        while slot > 0 and self.time_of(slot - 1) >= when:
            slot -= 1
        while self.time_of(slot) < when:
            slot += 1
        return slot

    def id_of(self, slot: int) -> int:
        """The snowflake id of the tweet in ``slot``."""
        ms = self.ms_of(slot)
        cached_ms, first = self._first_of_ms
        if cached_ms != ms:
            first = slot
            # Walk back to the first slot of this millisecond (few steps: rate/1000).
            while first > 0 and self.ms_of(first - 1) == ms:
                first -= 1
            with self._lock:
                self._first_of_ms = (ms, first)
        return snowflake(ms, (self.worker << 12) | (slot - first))
