"""``get_stream_items``'s result: a lazy, sliceable, newest-first view of one feed.

Nothing is read until asked: ``len()`` is one counter read, ``items[0]`` one
short range read, and a slice with step 1 is another lazy view (like a Django
QuerySet), read when iterated. Django's ``Paginator`` works on it unchanged: it
takes ``len()`` for the count and slices each page.

DynamoDB cannot jump to an offset, so the view remembers where offsets fell
("marks": the sort key just before offset N) in a small map shared with every
slice taken from it. Paging forward through one view therefore costs one page
per page, not the whole prefix again. The flip side: once seen, offsets stay
anchored to those keys while new items arrive, which keeps pages from
repeating items. ``page()`` cursors are the API for feeds that change while
being read.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Iterator, Sequence
from typing import Final, overload

from chalicelib.feeds.items import StreamItem
from chalicelib.feeds.planning import needs_total, plan_read
from chalicelib.feeds.protocol import FeedReader, ReadWindow, SupportsKeys

#: Items per request while iterating.
ITER_PAGE: Final = 100
#: Keys per request while walking to an offset.
WALK_PAGE: Final = 1000
#: Marks kept per view; the oldest go first (sequential paging needs the last).
MAX_MARKS: Final = 1024


class _Cursor:
    """State shared by a view and its slices: the backend, the user, the marks."""

    def __init__(self, backend: FeedReader, user: str) -> None:
        self.backend = backend
        self.user = user
        self._marks: dict[int, str] = {}
        self._lock = threading.Lock()

    def marks(self) -> dict[int, str]:
        with self._lock:
            return dict(self._marks)

    def remember(self, offset: int, key: str) -> None:
        if offset <= 0:
            return
        with self._lock:
            self._marks.pop(offset, None)
            self._marks[offset] = key
            while len(self._marks) > MAX_MARKS:
                del self._marks[next(iter(self._marks))]

    def keys(self, window: ReadWindow) -> list[str]:
        if isinstance(self.backend, SupportsKeys):
            return self.backend.read_keys(self.user, window)
        return [item.sort_key for item in self.backend.read(self.user, window)]

    def walk(
        self, after: str | None, offset: int, skip: int, newest_first: bool
    ) -> tuple[str | None, bool]:
        """Move ``skip`` keys past ``after``: ``(key, reached)``, reached False at the end."""
        while skip > 0:
            want = min(skip, WALK_PAGE)
            keys = self.keys(ReadWindow(want, after, newest_first))
            if keys:
                after = keys[-1]
                skip -= len(keys)
                offset += len(keys)
                if newest_first:
                    self.remember(offset, after)
            if len(keys) < want:
                return after, False
        return after, True


class StreamItems(Sequence[StreamItem]):
    """Items ``[start, stop)`` of ``user``'s feed, newest first (stop None: to the end)."""

    #: Django's Paginator warns about unordered lists; this one is ordered.
    ordered = True

    def __init__(
        self,
        backend: FeedReader,
        user: str,
        *,
        start: int = 0,
        stop: int | None = None,
        _cursor: _Cursor | None = None,
    ) -> None:
        self._cursor = _cursor if _cursor is not None else _Cursor(backend, user)
        self._start = start
        self._stop = stop if stop is None else max(start, stop)

    @property
    def user(self) -> str:
        return self._cursor.user

    def __repr__(self) -> str:
        stop = "" if self._stop is None else self._stop
        return f"<StreamItems user={self.user!r} [{self._start}:{stop}]>"

    def __len__(self) -> int:
        total = self._cursor.backend.count(self.user)
        end = total if self._stop is None else min(self._stop, total)
        return max(0, end - self._start)

    @overload
    def __getitem__(self, index: int) -> StreamItem: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[StreamItem]: ...
    def __getitem__(self, index: int | slice) -> StreamItem | Sequence[StreamItem]:
        if isinstance(index, slice):
            return self._slice(index)
        position = operator.index(index)
        if position < 0:
            position += len(self)
            if position < 0:
                raise IndexError("feed index out of range")
        found = self._fetch(self._start + position, self._start + position + 1)
        if not found:
            raise IndexError("feed index out of range")
        return found[0]

    def __iter__(self) -> Iterator[StreamItem]:
        cursor = self._cursor
        plan = plan_read(self._start, self._stop, cursor.marks())
        if plan is None:
            return
        after, reached = cursor.walk(plan.after, self._start - plan.skip, plan.skip, True)
        if not reached:
            return
        offset = self._start
        while self._stop is None or offset < self._stop:
            want = ITER_PAGE if self._stop is None else min(ITER_PAGE, self._stop - offset)
            items = cursor.backend.read(self.user, ReadWindow(want, after))
            yield from items
            if not items:
                return
            offset += len(items)
            after = items[-1].sort_key
            cursor.remember(offset, after)
            if len(items) < want:
                return

    def __reversed__(self) -> Iterator[StreamItem]:
        return reversed(list(self))

    def _view(self, start: int, stop: int | None) -> StreamItems:
        if self._stop is not None:
            stop = self._stop if stop is None else min(stop, self._stop)
        return StreamItems(
            self._cursor.backend, self.user, start=start, stop=stop, _cursor=self._cursor
        )

    def _slice(self, part: slice) -> Sequence[StreamItem]:
        step = 1 if part.step is None else operator.index(part.step)
        lo = None if part.start is None else operator.index(part.start)
        hi = None if part.stop is None else operator.index(part.stop)
        if step == 1 and (lo is None or lo >= 0) and (hi is None or hi >= 0):
            # Lazy: no request until the slice is read.
            start = self._start + (lo or 0)
            return self._view(start, None if hi is None else max(start, self._start + hi))
        positions = range(*slice(lo, hi, step).indices(len(self)))
        if step == 1:
            return self._view(self._start + positions.start, self._start + positions.stop)
        if not positions:
            return []
        first, last = min(positions), max(positions)
        window = self._fetch(self._start + first, self._start + last + 1)
        return [window[p - first] for p in positions if p - first < len(window)]

    def _fetch(self, start: int, stop: int) -> list[StreamItem]:
        """Items at absolute offsets ``[start, stop)``, by the cheapest plan."""
        cursor = self._cursor
        if self._stop is not None:
            stop = min(stop, self._stop)
        marks = cursor.marks()
        # A merged feed's count may run ahead of its items: never plan from the old end by it.
        exact = getattr(cursor.backend, "counts_exactly", True)
        total = (
            cursor.backend.count(self.user) if exact and needs_total(start, stop, marks) else None
        )
        plan = plan_read(start, stop, marks, total)
        if plan is None or plan.take is None:
            return []
        offset = start - plan.skip if plan.newest_first else 0
        after, reached = cursor.walk(plan.after, offset, plan.skip, plan.newest_first)
        if not reached:
            return []
        items = cursor.backend.read(self.user, ReadWindow(plan.take, after, plan.newest_first))
        if not plan.newest_first:
            return items[::-1]
        if after is not None:
            cursor.remember(start, after)
        if items:
            cursor.remember(start + len(items), items[-1].sort_key)
        return items
