"""Read a whole Kinesis stream back: how tests, benchmarks and chaos runs check what shipped.

The consumer runner reads shards incrementally with checkpoints; a check wants
the opposite, everything from ``TRIM_HORIZON`` to the tip of every shard, once.
Shards come in ``ListShards`` order and records in sequence order within each,
so on a one-shard stream the result is the total order the streamer shipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from chalicelib.core import aws, records
from chalicelib.core.records import Entry
from chalicelib.core.settings import Settings

PAGE = 1000


def stream_data(settings: Settings) -> Iterator[bytes]:
    """The data of every record in the stage's stream, shard by shard, oldest first."""
    kinesis = aws.client(settings, "kinesis")
    for shard in kinesis.list_shards(StreamName=settings.kinesis_stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=settings.kinesis_stream,
            ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=PAGE)
            for record in page["Records"]:
                yield record["Data"]
            if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                break
            iterator = page.get("NextShardIterator")


def stream_entries(settings: Settings) -> list[Entry]:
    """Every entry of every record, in ``stream_data`` order; a record we cannot decode raises."""
    return [entry for data in stream_data(settings) for entry in records.decode(data)]
