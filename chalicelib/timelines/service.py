"""Read stored tweets: a term's timeline (newest first, cursor paged) and one tweet.

The consumer writes ``tweets`` and ``term-tweets``; this side only reads. A
timeline page is one Query on the term's partition plus one BatchGet, never a
scan. The compressed original payload is inflated with a size cap, so a
corrupt or hostile row cannot exhaust the Lambda's memory.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any, Final

from pynamodb.exceptions import DoesNotExist

from chalicelib.core.models import TweetModel, bind_models
from chalicelib.core.settings import Settings
from chalicelib.terms import get_term
from chalicelib.timelines.cursors import decode_cursor, encode_cursor
from chalicelib.timelines.errors import TweetNotFound

MAX_PAGE: Final = 100
MAX_PAYLOAD_BYTES: Final = 1_000_000
TWEET_ID_PATTERN: Final = r"^[0-9]{1,19}$"


@dataclass(frozen=True, slots=True)
class TweetPage:
    tweets: list[TweetModel]
    next_cursor: str | None


def term_tweets(
    settings: Settings, term_id: str, limit: int, cursor: str | None = None
) -> TweetPage:
    """Up to ``limit`` of the term's tweets, newest first, and the cursor for more."""
    get_term(settings, term_id)
    models = bind_models(settings)
    condition = None
    if cursor is not None:
        condition = models.term_tweets.sk < decode_cursor(term_id, cursor)
    rows = list(
        models.term_tweets.query(
            term_id, condition, scan_index_forward=False, limit=limit + 1, page_size=limit + 1
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    ids = list(dict.fromkeys(row.tweet_id for row in rows))
    found = {t.tweet_id: t for t in models.tweets.batch_get(ids)} if ids else {}
    tweets = [found[i] for i in ids if i in found]
    next_cursor = encode_cursor(term_id, rows[-1].sk) if more and rows else None
    return TweetPage(tweets, next_cursor)


def get_tweet(settings: Settings, tweet_id: str) -> TweetModel:
    if not tweet_id.isdigit() or len(tweet_id) > 19:
        raise TweetNotFound(f"no tweet {tweet_id!r}")
    try:
        return bind_models(settings).tweets.get(tweet_id)
    except DoesNotExist:
        raise TweetNotFound(f"no tweet {tweet_id!r}") from None


def original_payload(tweet: TweetModel) -> Any:
    """The stream line X sent for this tweet, as JSON (None if not kept or unreadable)."""
    if not tweet.payload:
        return None
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(tweet.payload, MAX_PAYLOAD_BYTES)
        if inflater.unconsumed_tail:
            return None
        return json.loads(raw)
    except (zlib.error, ValueError):
        return None
