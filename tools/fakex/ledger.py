"""Every tweet the stream sent, for end-to-end "nothing lost, nothing doubled" proofs.

Benchmarks send tens of thousands of tweets a second, so entries live in typed
arrays (about 20 bytes each) rather than one Python object per tweet.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Sequence
from typing import Final, Literal

from tools.fakex.model import JsonObject

Kind = Literal["live", "backfill", "duplicate"]
KINDS: Final[tuple[Kind, ...]] = ("live", "backfill", "duplicate")
LIVE, BACKFILL, DUPLICATE = 0, 1, 2
STREAMS: Final = ("filtered", "sample")


class Ledger:
    """Append-only record of (tweet id, time sent, connection, stream, kind)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = array("Q")
        self._times = array("d")
        self._connections = array("l")
        self._streams = array("b")
        self._kinds = array("b")

    def __len__(self) -> int:
        return len(self._ids)

    def record(
        self, ids: Sequence[int], kinds: Sequence[int], at: float, connection: int, stream: int
    ) -> None:
        """Record a batch written to the socket at ``at`` (Unix seconds)."""
        with self._lock:
            self._ids.extend(ids)
            self._kinds.extend(kinds)
            count = len(ids)
            self._times.extend([at] * count)
            self._connections.extend([connection] * count)
            self._streams.extend([stream] * count)

    def entries(self, offset: int = 0, limit: int | None = None) -> list[JsonObject]:
        """Entries ``offset .. offset+limit`` as JSON objects."""
        with self._lock:
            end = len(self._ids) if limit is None else min(len(self._ids), offset + limit)
            return [
                {
                    "id": str(self._ids[i]),
                    "at": self._times[i],
                    "connection": self._connections[i],
                    "stream": STREAMS[self._streams[i]],
                    "kind": KINDS[self._kinds[i]],
                }
                for i in range(offset, end)
            ]
