"""The values the feeds API hands out: items, pages and write receipts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.feeds.keys import sort_key


@dataclass(frozen=True, slots=True)
class StreamItem:
    """One feed item as every backend stores and returns it.

    ``created_at`` is always an aware UTC datetime. ``id`` names the item, not
    the copy: every recipient of one ``add_stream_item`` call sees the same id.
    """

    id: str
    content: str
    created_at: datetime

    @property
    def sort_key(self) -> str:
        """Position in a feed: text order of this key is feed order (oldest first)."""
        return sort_key(self.created_at, self.id)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One item for ``add_stream_items``: what ``add_stream_item`` takes, as a value.

    ``recipients`` may be any iterable (a generator is read once, lazily).
    ``item_id`` None makes a new id; give one to make the delivery repeatable.
    """

    recipients: Iterable[str]
    content: str
    created_at: datetime | None = None
    item_id: str | None = None


@dataclass(frozen=True, slots=True)
class BatchMark:
    """Who writes a batch and where it stands in that writer's sequence.

    A ``writer`` (for example a Kinesis shard's consumer) promises never to
    run two batches at once, and gives each batch a ``position`` that grows
    from batch to batch in text order and is the same when a batch is redone.
    Backends may then keep that writer's counts in rows only it writes, with
    batched, unconditional puts (see ``chalicelib.feeds.tally``).
    """

    writer: str
    position: str


@dataclass(frozen=True, slots=True)
class AddResult:
    """What ``add_stream_item`` stored: one item, in ``recipients`` feeds."""

    item_id: str
    created_at: datetime
    recipients: int


@dataclass(frozen=True, slots=True)
class Page:
    """One page of ``page()``; ``next_cursor`` is None on the last page."""

    items: list[StreamItem]
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


@dataclass(frozen=True, slots=True)
class BroadcastResult:
    """A finished (or resumed-and-finished) broadcast.

    ``recipients`` counts every user the job delivered to, across resumes; a
    user written twice because of a crash is counted once per delivery pass,
    but holds the item once.
    """

    job_id: str
    item_id: str
    created_at: datetime
    recipients: int
    resumed: bool
