"""What the tweet reader raises."""

from __future__ import annotations

from chalicelib.core.errors import InvalidInput, NotFound


class TweetNotFound(NotFound):
    code = "tweet_not_found"


class InvalidCursor(InvalidInput):
    code = "invalid_cursor"
