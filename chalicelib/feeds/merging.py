"""A user's feed merged with the feeds it pulls, read as if it were one feed.

Hybrid fan-out: items for a few users are written into each of their feeds
(pushed); items for very many are written once, into a feed of their own,
and merged into each reader's feed when read (pulled). ``MergedFeed`` does
the merge for any backend, through the backend's own ``read`` and ``count``,
so everything above it (slicing, ``len()``, Django's Paginator, cursors)
works unchanged.

- Order: by sort key, as every feed. An item that reaches a user through two
  feeds has one sort key and is shown once.
- Cursors: a cursor is a sort key, which means the same in every feed, so
  pages stay stable under inserts and when the set of pulled feeds changes.
- ``len()``: the user's own count plus, for each pull, the items its feed
  gained since the pull began (``count - base``), both O(1). It counts an
  item once per feed it arrives through, and counts a pulled item created
  before the pull's ``since`` that arrived after it began, so it can exceed
  the items a full read returns (then the last pages come up short); for
  feeds that share no items, it is exact.
- Cost: a page reads the user's feed and each pulled feed once (1 + h Queries
  on DynamoDB), more only when duplicates leave a page short.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.core.times import format_time
from chalicelib.feeds.items import StreamItem
from chalicelib.feeds.keys import SEPARATOR
from chalicelib.feeds.protocol import FeedReader, Pull, ReadWindow


@dataclass(frozen=True, slots=True)
class _Run:
    """One feed's items in window order; ``full``: the feed may hold more beyond them."""

    items: list[StreamItem]
    full: bool


class MergedFeed:
    """``user``'s feed plus ``pulls``, read through ``backend``; a backend for that user only."""

    #: ``count`` may exceed the items (see the module docstring): offsets walk from the top.
    counts_exactly = False

    def __init__(self, backend: FeedReader, user: str, pulls: Sequence[Pull]) -> None:
        self.backend = backend
        self.user = user
        self.pulls = list(pulls)

    def count(self, user: str) -> int:
        own = self.backend.count(self.user)
        return own + sum(max(0, self.backend.count(p.feed) - p.base) for p in self.pulls)

    def read(self, user: str, window: ReadWindow) -> list[StreamItem]:
        out: list[StreamItem] = []
        after = window.after
        while len(out) < window.limit:
            need = window.limit - len(out)
            runs = [self._own(after, need, window.newest_first)]
            runs += [self._pulled(p, after, need, window.newest_first) for p in self.pulls]
            taken = _take(runs, need, window.newest_first, after)
            out += taken
            if not any(run.full for run in runs) or not taken:
                break
            after = taken[-1].sort_key
        return out

    def read_keys(self, user: str, window: ReadWindow) -> list[str]:
        return [item.sort_key for item in self.read(user, window)]

    def _own(self, after: str | None, need: int, newest_first: bool) -> _Run:
        items = self.backend.read(self.user, ReadWindow(need, after, newest_first))
        return _Run(items, len(items) == need)

    def _pulled(self, pull: Pull, after: str | None, need: int, newest_first: bool) -> _Run:
        floor = format_time(pull.since) + SEPARATOR  # below every key from ``since`` on
        if not newest_first and (after is None or after < floor):
            after = floor
        items = self.backend.read(pull.feed, ReadWindow(need, after, newest_first))
        kept = [item for item in items if item.sort_key > floor]
        return _Run(kept, len(items) == need and len(kept) == len(items))


def _take(runs: list[_Run], need: int, newest_first: bool, after: str | None) -> list[StreamItem]:
    """Up to ``need`` merged items, each key once, none past what a full run may still hide."""
    bounds = [run.items[-1].sort_key for run in runs if run.full and run.items]
    horizon = (max(bounds) if newest_first else min(bounds)) if bounds else None
    merged = heapq.merge(
        *(run.items for run in runs), key=lambda item: item.sort_key, reverse=newest_first
    )
    taken: list[StreamItem] = []
    last = after
    for item in merged:
        key = item.sort_key
        if horizon is not None and (key < horizon if newest_first else key > horizon):
            break
        if key == last:
            continue
        taken.append(item)
        last = key
        if len(taken) == need:
            break
    return taken
