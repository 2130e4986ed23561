"""Subscriptions and feeds: what belongs to one user."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from chalicelib.api.schemas.common import Cursor, Input, Output, UtcTime
from chalicelib.subscriptions import USER_ID_PATTERN

UserId = Annotated[str, Field(min_length=1, max_length=128, pattern=USER_ID_PATTERN)]
#: Feed content: the feeds package also caps it at 16 KB of UTF-8 (413 beyond).
Content = Annotated[str, Field(min_length=1, max_length=16384)]
MAX_FEED_PAGE = 100
MAX_RECIPIENTS = 500


class Subscription(Output):
    user_id: str
    term_id: str
    value: str | None = Field(description="The term's rule (null if the term is gone).")
    enabled: bool | None
    created_at: UtcTime


class SubscriptionList(Output):
    items: list[Subscription]


class FeedQuery(Input):
    limit: int = Field(20, ge=1, le=MAX_FEED_PAGE)
    cursor: Cursor | None = None


class FeedItem(Output):
    id: str
    content: str
    created_at: UtcTime


class FeedPage(Output):
    items: list[FeedItem]
    next_cursor: str | None


class FeedItemCreate(Input):
    content: Content
    created_at: AwareDatetime | None = Field(None, description="Default: now. Needs a zone.")


class FeedItemsCreate(FeedItemCreate):
    user_ids: list[UserId] = Field(min_length=1, max_length=MAX_RECIPIENTS)


class BroadcastCreate(FeedItemCreate):
    job_id: (
        Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] | None
    ) = Field(None, description="Repeat a broadcast with the same job_id to resume it safely.")


class AddReceipt(Output):
    id: str
    created_at: UtcTime
    recipients: int


class BroadcastReceipt(Output):
    job_id: str
    item_id: str
    created_at: UtcTime
    recipients: int
    resumed: bool
