"""Tweet representations."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chalicelib.api.schemas.common import Cursor, Input, Output, UtcTime
from chalicelib.timelines import MAX_PAGE


class TweetQuery(Input):
    limit: int = Field(20, ge=1, le=MAX_PAGE)
    cursor: Cursor | None = None


class TweetGetQuery(Input):
    include: Literal["payload"] | None = Field(
        None, description="`payload` adds the original stream line X sent."
    )


class Tweet(Output):
    id: str
    created_at: UtcTime
    author_id: str
    author_username: str | None
    text: str
    lang: str | None
    term_ids: list[str] = Field(
        description="The terms the tweet matched that the caller may see: all of them for "
        "the admin and service groups, only the caller's subscriptions for anyone else."
    )
    retweet_of: str | None
    quote_of: str | None
    reply_to: str | None
    stored_at: UtcTime
    payload: dict[str, Any] | None = Field(
        None,
        description="Only with `include=payload`: the stream line X sent. Its "
        "`matching_rules` (each rule's `tag` is a term id) keep, for a caller outside the "
        "admin and service groups, only the rules of terms the caller subscribes to.",
    )


class TweetPage(Output):
    items: list[Tweet]
    next_cursor: str | None
