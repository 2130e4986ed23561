"""Realistic stream lines (from the fake X generator), records and Lambda events.

Lines are built by ``tools.fakex`` exactly as the fake X server renders
them for the streamer's field selection, so the consumer is tested on the
shapes X sends: originals, retweets with the original in ``includes.tweets``,
replies, quotes, long posts with ``note_tweet``.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from chalicelib.core import records
from chalicelib.core.records import Entry
from tools.fakex.fields import parse_selection, render
from tools.fakex.people import People
from tools.fakex.snowflake import snowflake
from tools.fakex.sources import stamp
from tools.fakex.tweets import TweetFactory
from tools.fakex.witness import Plan

#: What the streamer asks X for (streamer.xstream.STREAM_PARAMS).
SELECTION = parse_selection(
    {
        "expansions": "author_id,referenced_tweets.id,referenced_tweets.id.author_id",
        "tweet.fields": "author_id,created_at,lang,entities,public_metrics,referenced_tweets,"
        "conversation_id,in_reply_to_user_id,note_tweet,edit_history_tweet_ids",
        "user.fields": "username,name,verified,profile_image_url",
    },
    frozenset({"expansions", "tweet.fields", "user.fields"}),
)
EPOCH_MS = 1_715_000_000_000  # May 2024
STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/test-tweets"
SHARD = "shardId-000000000000"


class Lines:
    """Stream lines with fresh, increasing tweet ids."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.factory = TweetFactory(People(seed), EPOCH_MS)
        self.sequence = 0

    def next_id(self) -> str:
        self.sequence += 1
        return str(snowflake(EPOCH_MS + 60_000 + self.sequence * 1000, self.sequence % 4096))

    def line(
        self,
        terms: Sequence[str] = (),
        *,
        kind: str = "original",
        tweet_id: str | None = None,
        text: str | None = None,
        author: dict[str, Any] | None = None,
    ) -> bytes:
        """One stream line; ``kind`` is original, retweet, reply or quote."""
        wants = {k: k == kind for k in ("retweet", "reply", "quote")}
        bundle = self.factory.build(self.rng, Plan(require=wants))
        obj = render(bundle, SELECTION)
        if terms:
            obj["matching_rules"] = [{"id": f"r{t}", "tag": t} for t in terms]
        raw = stamp(orjson.dumps(obj), int(tweet_id or self.next_id()))
        if text is None and author is None:
            return raw
        parsed = orjson.loads(raw)
        if text is not None:
            parsed["data"]["text"] = text
            parsed["data"].pop("note_tweet", None)
        if author is not None:
            parsed["data"]["author_id"] = author["id"]
            parsed.setdefault("includes", {})["users"] = [author]
        return orjson.dumps(parsed)


def tweet_id(line: bytes) -> str:
    return str(orjson.loads(line)["data"]["id"])


def original_id(line: bytes) -> str:
    """The id of the tweet a retweet line retweeted."""
    refs = orjson.loads(line)["data"]["referenced_tweets"]
    return str(next(r["id"] for r in refs if r["type"] == "retweeted"))


def record(lines: Iterable[bytes], received_at_ms: int = EPOCH_MS) -> bytes:
    """A record as the streamer packs it."""
    return records.encode(Entry(received_at_ms, line) for line in lines)


def kinesis_event(
    datas: Sequence[bytes],
    *,
    first_sequence: int = 49_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000,
    shard: str = SHARD,
    arn: str = STREAM_ARN,
) -> dict[str, Any]:
    """A Lambda Kinesis event with distinct, increasing sequence numbers."""
    out = []
    for offset, data in enumerate(datas):
        sequence = str(first_sequence + offset)
        out.append(
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": f"pk-{offset}",
                    "sequenceNumber": sequence,
                    "data": base64.b64encode(data).decode(),
                    "approximateArrivalTimestamp": EPOCH_MS / 1000,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard}:{sequence}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::000000000000:role/consumer",
                "awsRegion": "us-east-1",
                "eventSourceARN": arn,
            }
        )
    return {"Records": out}


def sequences(event: dict[str, Any]) -> list[str]:
    return [r["kinesis"]["sequenceNumber"] for r in event["Records"]]


class FaultyDynamo:
    """A real DynamoDB client that, on cue, leaves writes unprocessed or fails calls.

    Every call still reaches the emulator; only the answer is altered, the way
    DynamoDB answers when a partition is throttled or a request is lost.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        #: (operation, table) -> how many more calls to fail with an exception.
        self.failures: dict[tuple[str, str], int] = {}
        #: table -> how many more batch writes leave all but the first item unprocessed.
        self.leftovers: dict[str, int] = {}
        self.calls: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def _table(self, kwargs: dict[str, Any]) -> str:
        return str(kwargs.get("TableName") or next(iter(kwargs.get("RequestItems", {})), ""))

    def _maybe_fail(self, operation: str, table: str) -> None:
        self.calls.append((operation, table))
        left = self.failures.get((operation, table), 0)
        if left:
            self.failures[(operation, table)] = left - 1
            raise ConnectionError(f"injected: {operation} on {table} lost")

    def batch_write_item(self, **kwargs: Any) -> Any:
        table = self._table(kwargs)
        self._maybe_fail("batch_write_item", table)
        requests = kwargs["RequestItems"][table]
        if self.leftovers.get(table, 0) and len(requests) > 1:
            self.leftovers[table] -= 1
            self.client.batch_write_item(RequestItems={table: requests[:1]})
            return {"UnprocessedItems": {table: requests[1:]}}
        return self.client.batch_write_item(**kwargs)

    def batch_get_item(self, **kwargs: Any) -> Any:
        self._maybe_fail("batch_get_item", self._table(kwargs))
        return self.client.batch_get_item(**kwargs)

    def update_item(self, **kwargs: Any) -> Any:
        self._maybe_fail("update_item", self._table(kwargs))
        return self.client.update_item(**kwargs)

    def query(self, **kwargs: Any) -> Any:
        self._maybe_fail("query", self._table(kwargs))
        return self.client.query(**kwargs)
