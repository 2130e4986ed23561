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
    term_ids: list[str]
    retweet_of: str | None
    quote_of: str | None
    reply_to: str | None
    stored_at: UtcTime
    payload: dict[str, Any] | None = Field(None, description="Only with `include=payload`.")


class TweetPage(Output):
    items: list[Tweet]
    next_cursor: str | None
