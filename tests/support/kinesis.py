"""Read back everything the streamer put into a Kinesis stream."""

from __future__ import annotations

import orjson

from chalicelib import aws, records
from chalicelib.records import Entry
from chalicelib.settings import Settings


def read_stream(settings: Settings) -> list[Entry]:
    """Every entry in the stream, shard by shard, in sequence order."""
    kinesis = aws.client(settings, "kinesis")
    out: list[Entry] = []
    for shard in kinesis.list_shards(StreamName=settings.kinesis_stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=settings.kinesis_stream,
            ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=1000)
            for record in page["Records"]:
                out.extend(records.decode(record["Data"]))
            if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                break
            iterator = page.get("NextShardIterator")
    return out


def tweet_ids(entries: list[Entry]) -> list[str]:
    return [str(orjson.loads(e.line)["data"]["id"]) for e in entries]
