"""Write tweets and term timelines; tell new tweets from ones already stored.

Idempotence by tweet id, without transactions (dynalite has none, and
BatchWriteItem cannot be conditional): before writing, one strongly
consistent BatchGetItem per 100 tweets reads which are stored and for which
terms. A stored tweet whose terms are all known is a duplicate: nothing is
written or counted. The tweet row is written last, after its timeline rows and
its feed items, so a row that exists means everything for it was done; a batch
that fails half way has no row yet and is redone in full on retry (timeline
rows and feed items are keyed by tweet id, so redoing them changes nothing).

Two consumers storing the same new tweet at the same instant could both write
it (same key: still one row); the cost is a count that is one too high.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.consumer.tweetmodel import TweetShape
from chalicelib.core.times import format_time
from chalicelib.dynamo_batches import Batches, RawItem

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def timeline_key(created_at: datetime, tweet_id: str) -> str:
    """Fixed-width UTC time (the feeds' format), then the zero-padded tweet id, so
    text order is time order and tweets of the same millisecond stay ordered."""
    return f"{format_time(created_at)}#{tweet_id:0>19}"


@dataclass(frozen=True, slots=True)
class TimelineRow:
    term_id: str
    created_at: datetime
    tweet_id: str


@dataclass
class TweetStore:
    """The ``tweets`` and ``term-tweets`` tables of one stage."""

    client: DynamoDBClient
    batches: Batches
    tweets_table: str
    timeline_table: str
    shape: TweetShape

    def known_terms(self, tweet_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """For each stored tweet among ``tweet_ids``: the terms it is stored under."""
        keys = [{"tweet_id": {"S": tweet_id}} for tweet_id in tweet_ids]
        found = self.batches.get(self.tweets_table, keys, "tweet_id, term_ids")
        return {
            item["tweet_id"]["S"]: frozenset(item.get("term_ids", {}).get("SS", ()))
            for item in found
        }

    def add_timeline(self, rows: Iterable[TimelineRow]) -> None:
        """One row per (term, tweet): the term's timeline, newest first by ``sk``."""
        items = [
            {
                "term_id": {"S": row.term_id},
                "sk": {"S": timeline_key(row.created_at, row.tweet_id)},
                "tweet_id": {"S": row.tweet_id},
            }
            for row in rows
        ]
        self.batches.write(self.timeline_table, items, key=("term_id", "sk"))

    def put_tweets(self, items: Sequence[RawItem]) -> None:
        """Write tweet rows, 25 per BatchWriteItem (a repeated id: the last row wins)."""
        self.batches.write(self.tweets_table, items, key=("tweet_id",))

    def add_terms(self, tweet_id: str, term_ids: Iterable[str]) -> None:
        """Record more terms on a stored tweet (ADD: concurrent additions all stay)."""
        terms = sorted(set(term_ids))
        if not terms:
            return
        request: Any = {
            "TableName": self.tweets_table,
            "Key": {"tweet_id": {"S": tweet_id}},
            "UpdateExpression": "ADD term_ids :t",
            "ExpressionAttributeValues": {":t": {"SS": terms}},
        }
        self.client.update_item(**request)
