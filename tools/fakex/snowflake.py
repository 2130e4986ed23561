"""Snowflake ids and X's timestamp format.

X ids are 64-bit "snowflakes": milliseconds since X's epoch in the high bits, so
ids sort by creation time. Downstream code (dedup, ordering, "since_id") relies
on that, so the fake's ids must behave the same way.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Final

#: X's epoch (2010-11-04T01:42:54.657Z) in Unix milliseconds.
TWEPOCH_MS: Final = 1288834974657
#: Bits below the timestamp (worker id and sequence in X's layout).
SEQUENCE_BITS: Final = 22
SEQUENCE_MASK: Final = (1 << SEQUENCE_BITS) - 1


def snowflake(unix_ms: int, sequence: int = 0) -> int:
    """The id of the ``sequence``-th object created in millisecond ``unix_ms``."""
    if unix_ms < TWEPOCH_MS:
        raise ValueError("snowflake time is before X's epoch")
    if not 0 <= sequence <= SEQUENCE_MASK:
        raise ValueError("snowflake sequence out of range")
    return ((unix_ms - TWEPOCH_MS) << SEQUENCE_BITS) | sequence


def snowflake_ms(snowflake_id: int) -> int:
    """Unix milliseconds encoded in a snowflake id."""
    return (snowflake_id >> SEQUENCE_BITS) + TWEPOCH_MS


def iso_ms(unix_ms: int) -> str:
    """X's ``created_at`` format: ISO 8601, UTC, milliseconds, ``Z``."""
    seconds, millis = divmod(unix_ms, 1000)
    return f"{_SECONDS.format(seconds)}.{millis:03d}Z"


class _SecondCache:
    """The last formatted second, swapped as one tuple so threads never see a torn pair."""

    def __init__(self) -> None:
        self.last: tuple[int, str] = (-1, "")

    def format(self, seconds: int) -> str:
        # strftime is the slow part of a tweet line; one cached second serves many tweets.
        last = self.last
        if last[0] != seconds:
            last = (seconds, datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
            self.last = last
        return last[1]


_SECONDS = _SecondCache()


def now_ms() -> int:
    """Wall-clock Unix milliseconds."""
    return int(time.time() * 1000)
