"""Per-user news feeds: the successor of django-user-streams.

Public API (the HTTP API and other code use only this)::

    add_stream_item(user_or_users, content, created_at=None, *, item_id=None) -> AddResult
    add_stream_items(deliveries, *, mark=None) -> list[AddResult]   # many items at once
    get_stream_items(user) -> StreamItems        # lazy, sliceable, newest first
    page(user, limit, cursor=None) -> Page       # cursor pagination
    broadcast(content, created_at=None, *, job_id=None) -> BroadcastResult
    resume_broadcast(job_id) -> BroadcastResult

These use a default ``Feeds`` built from the environment on first use
(``STREAMFEED_FEED_BACKEND`` picks the backend). For explicit wiring use
``Feeds.from_settings(settings)`` or ``Feeds(backend)``, and
``set_default_feeds`` to replace the default.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chalicelib.core.lazy import ProcessDefault
from chalicelib.core.settings import load_settings
from chalicelib.feeds.errors import (
    BroadcastConflictError,
    ContentTooLargeError,
    FeedConfigError,
    FeedError,
    FeedStoreError,
    FeedStoreUnavailableError,
    InvalidCursorError,
    InvalidItemError,
    NaiveDatetimeError,
)
from chalicelib.feeds.items import (
    AddResult,
    BatchMark,
    BroadcastResult,
    Delivery,
    Page,
    StreamItem,
)
from chalicelib.feeds.loading import load_backend
from chalicelib.feeds.protocol import FeedBackend, ReadWindow
from chalicelib.feeds.sequence import StreamItems
from chalicelib.feeds.service import Feeds

__all__ = [
    "AddResult",
    "BatchMark",
    "BroadcastConflictError",
    "BroadcastResult",
    "ContentTooLargeError",
    "Delivery",
    "FeedBackend",
    "FeedConfigError",
    "FeedError",
    "FeedStoreError",
    "FeedStoreUnavailableError",
    "Feeds",
    "InvalidCursorError",
    "InvalidItemError",
    "NaiveDatetimeError",
    "Page",
    "ReadWindow",
    "StreamItem",
    "StreamItems",
    "add_stream_item",
    "add_stream_items",
    "broadcast",
    "default_feeds",
    "get_stream_items",
    "load_backend",
    "page",
    "resume_broadcast",
    "set_default_feeds",
]

_default: ProcessDefault[Feeds] = ProcessDefault(lambda: Feeds.from_settings(load_settings()))


def default_feeds() -> Feeds:
    """The process-wide ``Feeds``, built from ``load_settings()`` on first use."""
    return _default.get()


def set_default_feeds(feeds: Feeds | None) -> None:
    """Replace the default (None: rebuild from the environment on next use)."""
    _default.set(feeds)


def add_stream_item(
    user_or_users: str | Iterable[str],
    content: str,
    created_at: datetime | None = None,
    *,
    item_id: str | None = None,
) -> AddResult:
    """See ``Feeds.add_stream_item``."""
    return default_feeds().add_stream_item(user_or_users, content, created_at, item_id=item_id)


def add_stream_items(
    deliveries: Iterable[Delivery], *, mark: BatchMark | None = None
) -> list[AddResult]:
    """See ``Feeds.add_stream_items``."""
    return default_feeds().add_stream_items(deliveries, mark=mark)


def get_stream_items(user: str) -> StreamItems:
    """See ``Feeds.get_stream_items``."""
    return default_feeds().get_stream_items(user)


def page(user: str, limit: int, cursor: str | None = None) -> Page:
    """See ``Feeds.page``."""
    return default_feeds().page(user, limit, cursor)


def broadcast(
    content: str, created_at: datetime | None = None, *, job_id: str | None = None
) -> BroadcastResult:
    """See ``Feeds.broadcast``."""
    return default_feeds().broadcast(content, created_at, job_id=job_id)


def resume_broadcast(job_id: str) -> BroadcastResult:
    """See ``Feeds.resume_broadcast``."""
    return default_feeds().resume_broadcast(job_id)
