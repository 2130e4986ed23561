"""Which feeds already hold which items: what makes a bulk write exact when repeated.

The backends ignore an item id already in a feed, but the DynamoDB backends'
counters remember only the last few ids they counted, so adding an old item
again would count it twice. Bulk writers (``streamfeed feeds rebuild``,
``streamfeed import feeds``) therefore read each feed over the batch's time
range first and write only what is missing: a second run writes and counts
nothing, on every backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from typing import Final

from chalicelib.feeds import Feeds, ReadWindow
from chalicelib.feeds.keys import sort_key, split_sort_key
from chalicelib.feeds.protocol import SupportsKeys
from chalicelib.threadpools import call_all

#: Sort keys read per request while checking a feed.
READ_PAGE: Final = 1000
#: Feeds checked at once.
WORKERS: Final = 8
#: Sorts before every item id: the key just after an instant's last item.
LOWEST_ID: Final = "-"
ONE_MICROSECOND: Final = timedelta(microseconds=1)


def absent(feeds: Feeds, wanted: dict[str, set[str]]) -> dict[str, set[str]]:
    """For each sort key, the feeds among ``wanted``'s that do not hold it yet."""
    by_feed: dict[str, list[str]] = {}
    for key, names in wanted.items():
        for feed in names:
            by_feed.setdefault(feed, []).append(key)
    order = list(by_feed)
    calls = [partial(missing, feeds, feed, by_feed[feed]) for feed in order]
    found: dict[str, set[str]] = {}
    for feed, keys in zip(order, call_all("feed-presence", WORKERS, calls), strict=True):
        for key in keys:
            found.setdefault(key, set()).add(feed)
    return found


def missing(feeds: Feeds, feed: str, keys: Iterable[str]) -> list[str]:
    """The sort keys among ``keys`` that ``feed`` lacks: read newest first over their range."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    oldest = wanted[0]
    newest, _ = split_sort_key(wanted[-1])
    after = sort_key(newest + ONE_MICROSECOND, LOWEST_ID)  # every key up to ``newest``
    limit = min(READ_PAGE, len(wanted) + 16)
    held: set[str] = set()
    while True:
        found = _read_keys(feeds, feed, ReadWindow(limit, after))
        held.update(found)
        if len(found) < limit or found[-1] <= oldest:
            break
        after = found[-1]
    return [key for key in wanted if key not in held]


def _read_keys(feeds: Feeds, feed: str, window: ReadWindow) -> list[str]:
    backend = feeds.backend
    if isinstance(backend, SupportsKeys):
        return backend.read_keys(feed, window)
    return [item.sort_key for item in backend.read(feed, window)]
