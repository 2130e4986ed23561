"""Subscriptions and feeds: what belongs to one user."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from chalicelib import cards
from chalicelib.api.schemas.common import Cursor, Input, Output, UtcTime
from chalicelib.terms import MAX_RULE_LENGTH
from chalicelib.terms.normalize import TERM_ID_PATTERN
from chalicelib.userids import USER_ID_PATTERN

UserId = Annotated[str, Field(min_length=1, max_length=128, pattern=USER_ID_PATTERN)]
#: Feed content: the feeds package also caps it at 16 KB of UTF-8 (413 beyond).
Content = Annotated[str, Field(min_length=1, max_length=16384)]


def _not_a_tweets_id(item_id: str) -> str:
    """The stream's tweets are ``tweet:<id>`` in every feed: a writer must not overwrite one."""
    if item_id.startswith(cards.ITEM_PREFIX):
        raise ValueError(f"ids starting with {cards.ITEM_PREFIX!r} are the stream's tweets")
    return item_id


#: A feed item id of the writer's choosing (``chalicelib.feeds.keys.ITEM_ID_RE``).
ItemId = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$"),
    AfterValidator(_not_a_tweets_id),
]
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


class SubscriptionCreate(Input):
    """Name the term by id or by its rule, exactly one of the two.

    Users cannot list terms (that is for admins), so they subscribe to a rule
    they know; the answer shows the term's id and rule.
    """

    term_id: Annotated[str, Field(max_length=21, pattern=TERM_ID_PATTERN)] | None = None
    value: Annotated[str, Field(min_length=1, max_length=MAX_RULE_LENGTH)] | None = Field(
        None, description="The term's rule as written, e.g. `#python lang:en`."
    )

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.term_id is None) == (self.value is None):
            raise ValueError("give exactly one of term_id and value")
        return self


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


class _ItemCreate(Input):
    content: Content
    created_at: AwareDatetime | None = Field(None, description="Default: now. Needs a zone.")


class FeedItemCreate(_ItemCreate):
    item_id: ItemId | None = Field(
        None,
        description="Default: a new id. An id of your own makes a retry land on the same "
        "row only together with `created_at`: an item's place in a feed is its time and "
        "id, so a repeat without `created_at` (now, again) adds a second copy. To retry "
        "safely without choosing either, send an `Idempotency-Key` header.",
    )


class FeedItemsCreate(FeedItemCreate):
    user_ids: list[UserId] = Field(min_length=1, max_length=MAX_RECIPIENTS)


class BroadcastCreate(_ItemCreate):
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
