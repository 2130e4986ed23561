"""The README's custom tweet model examples (see test_consumer_custom_model.py)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeSetAttribute

from chalicelib.consumer import TweetSource
from chalicelib.core.models import TweetModel


class HashtagTweet(TweetModel):
    """Tweets stored with their hashtags and like count, for our own queries."""

    hashtags = UnicodeSetAttribute(null=True)
    like_count = NumberAttribute(null=True)

    def customise(self, source: TweetSource) -> None:
        entities = source.tweet.get("entities") or {}
        self.hashtags = {h["tag"].lower() for h in entities.get("hashtags", [])} or None
        self.like_count = (source.tweet.get("public_metrics") or {}).get("like_count")


def reach(source: TweetSource) -> dict[str, object]:
    """A hook: extra attributes without a model class."""
    metrics = source.tweet.get("public_metrics") or {}
    return {
        "impressions": metrics.get("impression_count", 0),
        "is_reply": source.referenced("replied_to") is not None,
        "terms_matched": len(source.term_ids),
    }


NOT_A_MODEL = 42


class NotATweet:
    pass


def overreaching(source: TweetSource) -> dict[str, object]:
    return {"text": "replaced"}
