"""One Kinesis record in, tweets stored and fanned out: the consumer's core.

Per record: decode (an undecodable record is quarantined, not retried: it will
never decode), parse the lines (bad ones are quarantined once the tweets are
stored), then for each chunk of up to 100 distinct tweets:

1. read which are stored already, and under which terms (one BatchGetItem);
2. build the new rows (a custom model or hook runs here, before any write);
3. write the term timeline rows;
4. fan the chunk out to the subscribers of each tweet's new terms, as one
   feeds batch: rows of all tweets share batch writes and each subscriber's
   count is written once (the shard and the chunk's place in it mark the
   batch, so a redone chunk counts nothing twice);
5. write the tweet rows last: a stored row means steps 3-4 are done.

Counts are added to the caller's :class:`Counts` as work completes, so a
record that fails half way still reports what it did, and each count is
taken at the step that commits it, so a redone record counts nothing twice:
a tweet and its feed items count when its row is written (25 rows per
request), a tweet that matched more terms when those terms are recorded on
it. A fan-out redone after a failure rewrites the same feed items (the feeds
store and count them once) and counts them only then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from chalicelib.consumer.attempts import AttemptCounter
from chalicelib.consumer.delivery import FanOut
from chalicelib.consumer.mapping import MAPPING, EventSourceMapping
from chalicelib.consumer.parsing import TweetSource, parse_entries
from chalicelib.consumer.quarantine import DeadLetterQueue, RecordRef, dead_letter
from chalicelib.consumer.store import TimelineRow, TweetStore
from chalicelib.consumer.subscribers import SubscriberLookup
from chalicelib.consumer.telemetry import Counts
from chalicelib.consumer.totals import ConsumerTotals
from chalicelib.consumer.tweetmodel import load_shape, tweet_time
from chalicelib.core import aws, records, resources
from chalicelib.core.records import RecordFormatError
from chalicelib.core.settings import Settings
from chalicelib.dynamo_batches import WRITE_BATCH, Batches, chunks
from chalicelib.feeds import BatchMark, Feeds
from chalicelib.hotterms import term_spans

#: Tweets checked and written together: one BatchGetItem, four BatchWriteItems.
CHUNK: Final = 100


def batch_mark(ref: RecordRef, chunk: int) -> BatchMark:
    """The feeds batch of one chunk: its shard, then its record and place, in text order.

    Sequence numbers are decimal and grow within a shard; the length prefix
    makes their text order their numeric order.
    """
    sequence = ref.sequence_number
    return BatchMark(ref.shard_id, f"{len(sequence):03d}{sequence}:{chunk:06d}")


@dataclass
class Consumer:
    """Everything one stage's consumer needs, built once per process."""

    settings: Settings
    store: TweetStore
    fanout: FanOut
    dead_letters: DeadLetterQueue
    attempts: AttemptCounter
    new_lookup: Callable[[], SubscriberLookup]
    totals: ConsumerTotals
    mapping: EventSourceMapping = MAPPING
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        feeds: Feeds | None = None,
        batches: Batches | None = None,
        mapping: EventSourceMapping = MAPPING,
    ) -> Consumer:
        # Without client-side validation, like the feeds' client: it walked every
        # attribute of every batch (14 of 76 s of figure 3's store profile).
        ddb = aws.bulk_dynamodb(settings)
        control = settings.table_name(resources.CONTROL.logical)
        subscriptions = settings.table_name(resources.SUBSCRIPTIONS.logical)
        index = resources.SUBSCRIPTIONS.indexes[0].name
        return cls(
            settings=settings,
            store=TweetStore(
                ddb,
                batches or Batches(ddb),
                settings.table_name(resources.TWEETS.logical),
                settings.table_name(resources.TERM_TWEETS.logical),
                load_shape(settings),
            ),
            fanout=FanOut(feeds or Feeds.from_settings(settings), term_spans(settings, ddb)),
            dead_letters=DeadLetterQueue(aws.client(settings, "sqs"), settings.dead_letter_queue),
            attempts=AttemptCounter(ddb, control, settings.kinesis_stream),
            new_lookup=lambda: SubscriberLookup(ddb, subscriptions, index),
            totals=ConsumerTotals(ddb, control),
            mapping=mapping,
        )

    def process_record(
        self, data: bytes, ref: RecordRef, lookup: SubscriberLookup, counts: Counts
    ) -> None:
        """Store and fan out every tweet in one record; raises to have it retried."""
        try:
            entries = records.decode(data)
        except RecordFormatError as exc:
            self.dead_letters.send(dead_letter("undecodable-record", ref, str(exc), data))
            counts.records_quarantined += 1
            return
        parsed = parse_entries(entries, capture_retweets=self.settings.capture_retweets)
        counts.duplicates_skipped += parsed.duplicates
        for index, chunk in enumerate(chunks(parsed.tweets, CHUNK)):
            self._store_chunk(chunk, lookup, counts, batch_mark(ref, index))
        # After the tweets: a retry of a record that failed above sends them once.
        for bad in parsed.bad:
            letter = dead_letter("bad-line", ref, bad.error, bad.line, line_index=bad.index)
            self.dead_letters.send(letter)
            counts.records_quarantined += 1
        if parsed.oldest_received_ms is not None:
            now_ms = self.clock().timestamp() * 1000
            counts.lag_ms.append(max(0.0, now_ms - parsed.oldest_received_ms))

    def _store_chunk(
        self,
        chunk: Sequence[TweetSource],
        lookup: SubscriberLookup,
        counts: Counts,
        mark: BatchMark,
    ) -> None:
        known = self.store.known_terms([t.tweet_id for t in chunk])
        new = [t for t in chunk if t.tweet_id not in known]
        grown: list[tuple[TweetSource, frozenset[str], frozenset[str]]] = []
        for tweet in chunk:
            if tweet.tweet_id in known:
                fresh = tweet.term_ids - known[tweet.tweet_id]
                if fresh:
                    grown.append((tweet, fresh, known[tweet.tweet_id]))
                else:
                    counts.duplicates_skipped += 1
        stored_at = self.clock()
        items = [self.store.shape.item(tweet, stored_at) for tweet in new]
        rows = [TimelineRow(term, tweet_time(t), t.tweet_id) for t in new for term in t.term_ids]
        rows += [
            TimelineRow(term, tweet_time(t), t.tweet_id) for t, fresh, _ in grown for term in fresh
        ]
        self.store.add_timeline(rows)
        plans = self.fanout.plan([(tweet, tweet.term_ids, frozenset()) for tweet in new] + grown)
        counted = self.fanout.deliver_plans(plans, lookup, mark)
        delivered, redelivered = counted[: len(new)], counted[len(new) :]
        # Counted as each row lands (see the module docstring): a failure before
        # a row means the tweet is redone in full and counted by the redo.
        done = list(zip(items, delivered, strict=True))
        for batch in chunks(done, WRITE_BATCH):
            self.store.put_tweets([item for item, _ in batch])
            counts.tweets_stored += len(batch)
            counts.feed_items_written += sum(written for _, written in batch)
        for (tweet, fresh, _), written in zip(grown, redelivered, strict=True):
            self.store.add_terms(tweet.tweet_id, fresh)
            counts.feed_items_written += written
