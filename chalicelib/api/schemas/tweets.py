"""Tweet representations and the status report."""

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


class StreamState(Output):
    state: Literal["connected", "waiting-for-terms", "backing-off", "standby", "down"]
    reported_state: str | None
    stale: bool
    heartbeat_age_seconds: float | None
    heartbeat_at: str | None
    connected_since: str | None
    received: int | float | None
    shipped: int | float | None
    rate_per_min: float | None
    last_tweet_at: str | None
    last_error: str | None
    last_error_at: str | None
    active_rules: int | float | None
    lease_holder: str | None
    host: str | None
    version: str | None
    poll_interval: float | None


class RejectedTerm(Output):
    term_id: str
    value: str
    sync_error: str | None


class TermSyncSummary(Output):
    total: int
    enabled: int
    by_sync_state: dict[str, int]
    rejected: list[RejectedTerm]


class Status(Output):
    stream: StreamState
    terms: TermSyncSummary
    generated_at: str
