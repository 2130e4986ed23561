"""Turn a stored tweet into one feed item per subscriber.

The item is the tweet's card (``chalicelib.cards``): author and plain text in
a few bytes, rendered as HTML when read. The item id is derived from the
tweet id and the card from the tweet alone, so a retried batch writes the same
items again (the feeds count them once) instead of new ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chalicelib import cards
from chalicelib.consumer.parsing import TweetSource
from chalicelib.consumer.subscribers import SubscriberLookup
from chalicelib.consumer.tweetmodel import tweet_time
from chalicelib.feeds import BatchMark, Delivery, Feeds


def feed_card(source: TweetSource) -> str:
    """The card a subscriber's feed row holds for ``source``."""
    author = source.author or {}
    author_id = source.tweet.get("author_id")
    return cards.encode(
        str(author_id) if author_id else None,
        _field(author, "username"),
        _field(author, "name"),
        source.text,
    )


def delivery(
    source: TweetSource,
    lookup: SubscriberLookup,
    terms: Iterable[str],
    already: Iterable[str] = (),
) -> Delivery:
    """``source`` for every subscriber of ``terms`` (not of ``already``), read lazily."""
    return Delivery(
        lookup.recipients(terms, exclude=already),
        feed_card(source),
        tweet_time(source),
        cards.item_id(source.tweet_id),
    )


@dataclass
class FanOut:
    """Deliver tweets to their terms' subscribers through ``chalicelib.feeds``."""

    feeds: Feeds

    def deliver(self, deliveries: Sequence[Delivery], mark: BatchMark) -> list[int]:
        """Add every delivery in one batch; how many feeds each reached.

        ``mark`` names the shard and the chunk's place in it, so a redone
        chunk counts nothing twice (see ``chalicelib.feeds.tally``).
        """
        return [r.recipients for r in self.feeds.add_stream_items(deliveries, mark=mark)]


def _field(user: dict[str, object], key: str) -> str | None:
    """A short string field of a user object (X caps names at 50 characters)."""
    value = user.get(key)
    return value if isinstance(value, str) and value else None
