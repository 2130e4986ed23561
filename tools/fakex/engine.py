"""The fake X service without HTTP: configuration, rules, timeline, faults, ledger.

The HTTP adapter (:mod:`tools.fakex.server`) turns requests into calls on
one :class:`Engine`; tests of the protocol core can use an engine directly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from tools.fakex.faults import FaultBoard
from tools.fakex.ledger import Ledger
from tools.fakex.people import People
from tools.fakex.replay import load_replay
from tools.fakex.rulestore import MAX_RULES, RuleStore, RuleVersion
from tools.fakex.sources import GeneratedSource, ReplaySource, Source
from tools.fakex.timeline import Timeline
from tools.fakex.tweets import TweetFactory

DEFAULT_BEARER_TOKEN: Final = "fake-x-bearer-token"  # noqa: S105 - the fake's own, not a secret
StreamName = Literal["filtered", "sample"]
#: X's published limits: 50 stream connects and 450 rules requests per 15 minutes.
RATE_LIMITS: Final = {"stream": 50, "rules": 450}
WINDOW: Final = 15 * 60


@dataclass(frozen=True, slots=True)
class FakeXConfig:
    """Everything ``streamfeed fake-x`` and :class:`~tools.fakex.testing.FakeX` take."""

    rate: float = 50.0
    seed: int = 0
    bearer_token: str = DEFAULT_BEARER_TOKEN
    keepalive: float = 20.0
    replay: Path | None = None
    max_rules: int = MAX_RULES
    #: Distinct generated tweets per rule version before they repeat (with new ids).
    pool_size: int = 4096
    #: Start of the timeline (Unix seconds); None means "now". Fix it for identical output.
    start: float | None = None
    #: Seconds per rate-limit window (X's is 15 minutes; tests shorten the wait a 429 sets).
    rate_limit_window: int = WINDOW


class Engine:
    """One fake X: shared by every connection of a server."""

    def __init__(self, config: FakeXConfig, clock: Callable[[], float] = time.time) -> None:
        if config.keepalive <= 0:
            raise ValueError("keepalive must be > 0 seconds")
        if config.pool_size < 1:
            raise ValueError("pool_size must be >= 1")
        if config.rate_limit_window < 1:
            raise ValueError("rate_limit_window must be >= 1 second")
        self.config = config
        self.clock = clock
        start = clock() if config.start is None else config.start
        self.timelines: dict[StreamName, Timeline] = {
            "filtered": Timeline(start, config.rate, worker=0),
            "sample": Timeline(start, config.rate, worker=1),
        }
        self.timeline = self.timelines["filtered"]
        self.rules = RuleStore(clock, max_rules=config.max_rules)
        self.faults = FaultBoard()
        self.ledger = Ledger()
        self.stopping = threading.Event()
        self.sources: dict[StreamName, Source] = self._sources(config, start)
        self._lock = threading.Lock()
        self._open: dict[StreamName, bool] = {"filtered": False, "sample": False}
        self._connections = 0
        self._attempts = 0
        self._limits: dict[str, tuple[int, int]] = {}  # endpoint -> (window start, used)

    def _sources(self, config: FakeXConfig, start: float) -> dict[StreamName, Source]:
        if config.replay is not None:
            records = load_replay(config.replay)
            return {
                "filtered": ReplaySource(records, self.version_for_slot),
                "sample": ReplaySource(records, None),
            }
        factory = TweetFactory(People(config.seed), epoch_ms=int(start * 1000))
        return {
            "filtered": GeneratedSource(
                config.seed, factory, self.version_for_slot, config.pool_size
            ),
            "sample": GeneratedSource(config.seed, factory, None, config.pool_size),
        }

    def version_for_slot(self, slot: int) -> RuleVersion:
        """The rules in force when ``slot`` happened."""
        return self.rules.version_at(self.timeline.time_of(slot))

    def open_stream(self, stream: StreamName) -> int | None:
        """Claim the stream's one connection; its number, or None when already taken."""
        with self._lock:
            self._attempts += 1
            if self._open[stream]:
                return None
            self._open[stream] = True
            self._connections += 1
            return self._connections

    def close_stream(self, stream: StreamName) -> None:
        with self._lock:
            self._open[stream] = False

    def count_attempt(self) -> None:
        """A connect that was refused before claiming a connection."""
        with self._lock:
            self._attempts += 1

    def rate_limit(
        self, endpoint: Literal["stream", "rules"], *, exhausted: bool = False
    ) -> dict[str, str]:
        """``x-rate-limit-*`` headers. Counted honestly, never enforced: tests reconnect a lot."""
        limit = RATE_LIMITS[endpoint]
        now = int(self.clock())
        length = self.config.rate_limit_window
        window = now - now % length
        with self._lock:
            start, used = self._limits.get(endpoint, (window, 0))
            if start != window:
                start, used = window, 0
            used += 1
            self._limits[endpoint] = (start, used)
        remaining = 0 if exhausted else max(0, limit - used)
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(start + length),
        }

    def state(self) -> dict[str, object]:
        """What ``GET /_fake/state`` reports."""
        with self._lock:
            return {
                "connections": self._connections,
                "connect_attempts": self._attempts,
                "open": dict(self._open),
                "sent": len(self.ledger),
                "rules_version": self.rules.current.number,
                "rate": self.config.rate,
                "seed": self.config.seed,
                "replay": str(self.config.replay) if self.config.replay else None,
                "slot": self.timeline.due(self.clock()),
            }
