"""Reading stored tweets: per-term timelines and single tweets."""

from chalicelib.timelines.errors import InvalidCursor, TweetNotFound
from chalicelib.timelines.service import (
    MAX_PAGE,
    TWEET_ID_PATTERN,
    TweetPage,
    get_tweet,
    original_payload,
    term_tweets,
)

__all__ = [
    "MAX_PAGE",
    "TWEET_ID_PATTERN",
    "InvalidCursor",
    "TweetNotFound",
    "TweetPage",
    "get_tweet",
    "original_payload",
    "term_tweets",
]
