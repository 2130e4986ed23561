"""Refill feeds from what DynamoDB keeps: ``streamfeed feeds rebuild``.

A feed store can be lost (the ``redis`` backend is a cache) while DynamoDB
still holds everything the consumer fanned out from: the stored tweets, each
term's timeline, the subscriptions and the hot terms' spans. A rebuild walks
the timelines oldest first, a batch of tweets at a time, and for each tweet
does what the consumer did with it:

- **push or pull**: ``FanOut.plan`` (``chalicelib.consumer.delivery``) with the
  stored spans: a tweet of a term that was hot at its ``created_at`` goes to
  the term's own feed (``~term:<id>``), otherwise to the term's subscribers;
- **the item**: the consumer's card (``feed_card``), id (``tweet:<id>``) and
  time (``tweet_time``), all from the stream line the tweet row keeps, so a
  rebuilt item is the same item, byte for byte;
- **the recipients**: every subscriber of the tweet's pushed terms, each once
  (merged as the consumer merges them), who had subscribed by the time the
  consumer stored the tweet (the row's ``stored_at``): the consumer reads
  subscribers when it stores a tweet, so that is who got it, including
  subscribers who joined after the tweet was written on X (a backfill, a
  replay, the stream's lag);
- **delivery**: ``Feeds.add_stream_items``, one call per batch, without a
  ``BatchMark`` (the rebuild is no shard's writer: its counts go to each
  user's shared counter row, as any other add's).

Before writing, each recipient feed is read over the batch's time range
(``read_keys``, or ``read``, through the backend's own protocol methods) and
an item it already holds is left out. Backends store an item id once, but the
DynamoDB backends' counters only recognise the ids they counted lately; so a
rebuild over feeds that are intact (or a second run) writes and counts
nothing, whatever the backend. The price is one read per recipient feed per
batch.

Where a rebuilt feed can differ from the one the consumer wrote:

- items added through the API (``POST /users/{id}/feed``, ``/feed-items``,
  ``/broadcasts``) are not tweets: nothing records them outside the feed
  store, so they cannot be rebuilt;
- a subscription removed since (or a term deleted, which removes its
  subscriptions) is gone: the items it brought are not rebuilt. A user who
  left and subscribed again only gets what came after the new subscription;
- a tweet that matched another term later (X delivered it again) is judged
  by its first ``stored_at``: a user who subscribed to the new term between
  the two deliveries had it and does not get it back;
- a subscription made around the time the consumer stored the tweet may
  differ either way: the consumer reads a term's subscribers once per
  invocation, from an eventually consistent index, not at ``stored_at``;
- a tweet row without its stream line (``payload``) gets a card from the
  row's fields, which have no display name: a different content, so a
  different item for the ``redis`` backend, whose members include content;
- with ``STREAMFEED_FEED_MAX_LENGTH``, items older than what a feed keeps are
  written and trimmed again on every run;
- tweets whose row the consumer has not written yet (it writes the row last)
  are left to the consumer;
- a rebuild stopped inside a batch can leave a ``fanout`` or ``shared`` feed's
  ``len()`` low: those backends write rows before counting them, and the next
  run skips rows that are there (``redis`` and ``memory`` count what they hold);
- ``len()`` of a feed that merges a hot term's feed counts what that feed
  gained since the subscription (``pull_base``): rebuild hot terms' feeds in
  full (without ``since``), or that count comes out short.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final

from chalicelib import cards
from chalicelib.consumer.delivery import FanOut, feed_card
from chalicelib.consumer.tweetmodel import tweet_time
from chalicelib.core import aws
from chalicelib.core.settings import Settings
from chalicelib.feeds import Delivery, Feeds, StreamItem
from chalicelib.hotterms import term_feed
from tools.feedpresence import absent
from tools.feedrebuild.stored import StoredData, StoredTweet, TimelineRow

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: Tweets per batch by default: the consumer's chunk.
DEFAULT_BATCH: Final = 100
MAX_BATCH: Final = 1000


class RebuildError(Exception):
    """The rebuild cannot start: what was asked for does not exist."""


@dataclass(frozen=True, slots=True)
class Options:
    """What to rebuild: every feed, or only some users' (``users``) or terms' (``terms``).

    With ``users``, only those users' own feeds are written (hot terms' feeds
    are shared: rebuild them without ``users``). ``since``: tweets created at
    or after it. ``dry_run``: read and count, write nothing.
    """

    users: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()
    since: datetime | None = None
    dry_run: bool = False
    batch: int = DEFAULT_BATCH

    def __post_init__(self) -> None:
        if not 1 <= self.batch <= MAX_BATCH:
            raise ValueError(f"batch must be 1 to {MAX_BATCH} tweets (got {self.batch})")


@dataclass
class Summary:
    """What a rebuild did (or, in a dry run, would do)."""

    #: Timeline rows walked (a tweet of two walked terms has two).
    rows: int = 0
    #: Tweet rows read.
    tweets: int = 0
    #: (feed, item) pairs written: items a feed lacked.
    deliveries: int = 0
    #: (feed, item) pairs the feed held already: not written.
    present: int = 0
    #: Feeds that got at least one item (user ids and ``~term:<id>`` feeds).
    feeds: set[str] = field(default_factory=set)
    #: Timeline rows whose tweet has no row yet (the consumer writes it last).
    unstored: int = 0
    #: Tweets without a stored stream line: their cards lack the display name.
    without_payload: int = 0
    seconds: float = 0.0

    def line(self, dry_run: bool) -> str:
        """The one-line summary."""
        if dry_run:
            return (
                f"dry run: {self.tweets:,} tweets read, {self.deliveries:,} deliveries to write"
                f" ({self.present:,} already there), {len(self.feeds):,} feeds to touch,"
                f" {self.seconds:.1f} s; nothing written"
            )
        return (
            f"rebuilt: {self.tweets:,} tweets read, {self.deliveries:,} deliveries written"
            f" ({self.present:,} already there), {len(self.feeds):,} feeds touched,"
            f" {self.seconds:.1f} s"
        )


Progress = Callable[[Summary], object]


class Rebuild:
    """One rebuild of ``feeds`` from the stage of ``settings``: read what to do, then ``run``.

    Building it reads the subscriptions (held in memory, about 150 bytes each)
    and the terms to walk; ``RebuildError`` if a term asked for does not exist.
    """

    def __init__(
        self,
        settings: Settings,
        feeds: Feeds,
        options: Options,
        *,
        client: DynamoDBClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.feeds = feeds
        self.options = options
        self.clock = clock
        self.started = clock()
        self.stored = StoredData(settings, client or aws.bulk_dynamodb(settings))
        if options.terms:
            unknown = sorted(options.terms - self.stored.existing_terms(options.terms))
            if unknown:
                raise RebuildError(f"no term {', '.join(unknown)}")
        self.subscribers = self.stored.subscribers(options.users, options.terms)
        if options.users:
            walked = self.subscribers.terms()
        elif options.terms:
            walked = set(options.terms)
        else:
            walked = set(self.stored.all_terms())
        #: The terms whose timelines are walked.
        self.terms: frozenset[str] = frozenset(walked)
        self.fanout = FanOut(feeds, self.stored.spans())

    def count_rows(self) -> int:
        """The timeline rows ``run`` will walk (for a progress bar's total)."""
        return self.stored.count_timeline_rows(self.terms, self.options.since)

    def run(self, progress: Progress | None = None) -> Summary:
        summary = Summary()
        batch: list[TimelineRow] = []
        ids: set[str] = set()
        for row in self.stored.timeline_rows(self.terms, self.options.since):
            if row.tweet_id not in ids and len(ids) >= self.options.batch:
                self._batch(batch, summary, progress)
                batch, ids = [], set()
            batch.append(row)
            ids.add(row.tweet_id)
        if batch:
            self._batch(batch, summary, progress)
        summary.seconds = self.clock() - self.started
        return summary

    def _batch(self, rows: list[TimelineRow], summary: Summary, progress: Progress | None) -> None:
        ids = list(dict.fromkeys(row.tweet_id for row in rows))
        found = self.stored.tweets(ids)
        tweets = [found[tweet_id] for tweet_id in ids if tweet_id in found]
        summary.rows += len(rows)
        summary.unstored += sum(1 for row in rows if row.tweet_id not in found)
        summary.tweets += len(tweets)
        summary.without_payload += sum(1 for tweet in tweets if not tweet.from_payload)
        due = self._due(tweets)
        wanted = {key: feeds for key, (_, feeds) in due.items()}
        lacking = absent(self.feeds, wanted)
        deliveries = [
            Delivery(sorted(lacking[key]), item.content, item.created_at, item.id)
            for key, (item, _) in due.items()
            if lacking.get(key)
        ]
        written = sum(len(lacking.get(key, ())) for key in due)
        summary.deliveries += written
        summary.present += sum(len(feeds) for feeds in wanted.values()) - written
        summary.feeds.update(feed for delivery in deliveries for feed in delivery.recipients)
        if deliveries and not self.options.dry_run:
            self.feeds.add_stream_items(deliveries)
        if progress is not None:
            progress(summary)

    def _due(self, tweets: Sequence[StoredTweet]) -> dict[str, tuple[StreamItem, set[str]]]:
        """Each tweet's item (by sort key) and the feeds the consumer put it in."""
        users = self.options.users
        chosen = [(tweet, tweet.source.term_ids & self.terms) for tweet in tweets]
        plans = self.fanout.plan([(tweet.source, terms, frozenset()) for tweet, terms in chosen])
        due: dict[str, tuple[StreamItem, set[str]]] = {}
        for (tweet, _), plan in zip(chosen, plans, strict=True):
            item = StreamItem(
                cards.item_id(plan.tweet.tweet_id), feed_card(plan.tweet), tweet_time(plan.tweet)
            )
            feeds: set[str] = set()
            if plan.pushed:
                recipients = self.subscribers.recipients(plan.pushed, tweet.stored_at)
                feeds.update(user for user in recipients if not users or user in users)
            if not users:  # a hot term's feed is everyone's: not one user's to rebuild
                feeds.update(term_feed(term) for term in plan.pulled)
            if feeds:
                due.setdefault(item.sort_key, (item, set()))[1].update(feeds)
        return due


def rebuild(
    settings: Settings,
    feeds: Feeds,
    options: Options,
    *,
    client: DynamoDBClient | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Refill ``feeds`` from the stage of ``settings``; see the module docstring."""
    return Rebuild(settings, feeds, options, client=client).run(progress)
