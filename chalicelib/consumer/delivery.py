"""Turn a chunk of stored tweets into feed items: pushed to subscribers, or pulled.

For each matched term, a tweet is either pushed (one item in each
subscriber's feed) or, when the term is hot for the tweet's time
(``chalicelib.hotterms``), written once into the term's own feed, which its
subscribers' reads merge in. A hot term's subscribers are never read here, so
such a tweet costs about what a tweet with no subscribers costs.

The item is the tweet's card (``chalicelib.cards``): author and plain text in
a few bytes, rendered as HTML when read. The item id is derived from the
tweet id and the card from the tweet alone, so a retried batch writes the same
items again (the feeds count them once) instead of new ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib import cards
from chalicelib.consumer.parsing import TweetSource
from chalicelib.consumer.subscribers import SubscriberLookup
from chalicelib.consumer.tweetmodel import tweet_time
from chalicelib.feeds import BatchMark, Delivery, Feeds
from chalicelib.hotterms import TermSpans, is_pulled, term_feed


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


@dataclass(frozen=True, slots=True)
class Plan:
    """One tweet's delivery: pushed for ``pushed`` (less ``already``), pulled for ``pulled``."""

    tweet: TweetSource
    pushed: frozenset[str]
    pulled: frozenset[str]
    already: frozenset[str] = frozenset()


@dataclass
class FanOut:
    """Deliver tweets to their terms' subscribers through ``chalicelib.feeds``.

    ``terms`` knows which terms are hot when; None pushes everything.
    """

    feeds: Feeds
    terms: TermSpans | None = None

    def plan(
        self, tweets: Sequence[tuple[TweetSource, frozenset[str], frozenset[str]]]
    ) -> list[Plan]:
        """For each (tweet, new terms, terms it was delivered for already): push or pull."""
        wanted = {term for _, terms, _ in tweets for term in terms}
        spans = self.terms.spans(wanted) if self.terms is not None and wanted else {}
        plans = []
        for tweet, terms, already in tweets:
            created = tweet_time(tweet)
            pulled = frozenset(t for t in terms if spans.get(t) and is_pulled(spans[t], created))
            plans.append(Plan(tweet, terms - pulled, pulled, already))
        return plans

    def deliver_plans(
        self, plans: Sequence[Plan], lookup: SubscriberLookup, mark: BatchMark
    ) -> list[int]:
        """Deliver every plan in one feeds batch; how many feeds each reached."""
        lookup.prefetch(t for p in plans if p.pushed for t in p.pushed | p.already)
        deliveries: list[Delivery] = []
        owners: list[int] = []
        for index, plan in enumerate(plans):
            card, created = feed_card(plan.tweet), tweet_time(plan.tweet)
            item = cards.item_id(plan.tweet.tweet_id)
            if plan.pushed:
                recipients = lookup.recipients(plan.pushed, exclude=plan.already)
                deliveries.append(Delivery(recipients, card, created, item))
                owners.append(index)
            for term in sorted(plan.pulled):
                deliveries.append(Delivery([term_feed(term)], card, created, item))
                owners.append(index)
        reached = [0] * len(plans)
        for owner, count in zip(owners, self.deliver(deliveries, mark), strict=True):
            reached[owner] += count
        return reached

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
