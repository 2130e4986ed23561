"""Item ids and sort keys: the order of a feed is the text order of its keys.

A sort key is ``<created_at as fixed-width UTC>#<item id>``. Newest first is a
descending range read; equal timestamps fall back to the item id, and item ids
made here grow with the time they were made, so two items with the same
``created_at`` keep a stable order, the later one first.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import datetime
from typing import Final

from chalicelib.core.times import TIME_WIDTH, format_time, parse_time
from chalicelib.feeds.errors import InvalidItemError

SEPARATOR: Final = "#"
#: Caller-chosen ids (e.g. ``tweet:123``) are allowed; ``#`` is not, it splits keys.
ITEM_ID_RE: Final = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
_RANDOM_BITS: Final = 40

_lock = threading.Lock()
_last = 0


def new_item_id() -> str:
    """24 hex digits: microseconds since the epoch, then random bits.

    Strictly increasing within a process (a clash bumps by one), so ids made
    later sort later; unique across processes with overwhelming odds.
    """
    global _last  # noqa: PLW0603 - one monotonic clock per process is the point
    value = (time.time_ns() // 1000) << _RANDOM_BITS | secrets.randbits(_RANDOM_BITS)
    with _lock:
        value = max(value, _last + 1)
        _last = value
    return f"{value:024x}"


def check_item_id(item_id: object) -> str:
    if not isinstance(item_id, str) or not ITEM_ID_RE.fullmatch(item_id):
        raise InvalidItemError(
            f"item id must be 1-100 characters of A-Z a-z 0-9 _ . : - (got {item_id!r})"
        )
    return item_id


def sort_key(created_at: datetime, item_id: str) -> str:
    return f"{format_time(created_at)}{SEPARATOR}{item_id}"


def split_sort_key(key: str) -> tuple[datetime, str]:
    """``(created_at, item_id)`` back from a sort key; ValueError if malformed."""
    stamp, sep, item_id = key[:TIME_WIDTH], key[TIME_WIDTH : TIME_WIDTH + 1], key[TIME_WIDTH + 1 :]
    if sep != SEPARATOR or not ITEM_ID_RE.fullmatch(item_id):
        raise ValueError(f"not a feed sort key: {key!r}")
    return parse_time(stamp), item_id


def is_sort_key(key: str) -> bool:
    try:
        split_sort_key(key)
    except ValueError:
        return False
    return True
