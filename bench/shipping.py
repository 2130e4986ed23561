"""Figure 2: shipping efficiency of the record format.

The corpus is packed exactly as the streamer packs it (``Packer``, same
limits, the 0.5 s linger) at several arrival rates with simulated time, which
gives tweets per record and bytes per tweet at each rate. A shard takes
1 MiB/s (data plus partition keys) and 1,000 records/s, so the tweets/s one
shard can carry is the lower of the two limits at the packing the streamer
reaches when it is busy. A real shipping run then sends the corpus through the
streamer's ``KinesisSink`` to the local Kinesis and reads every record back,
to check the counts against what the stream actually holds.
"""

from __future__ import annotations

import math
from typing import Final

from bench.context import Context
from bench.corpus import pack
from bench.harness import Figure, fmt, median
from chalicelib.core import aws, records
from chalicelib.core.settings import Settings
from streamer.assemble import SHIPPER_CONFIG
from streamer.kinesis_sink import KinesisSink
from streamer.packing import Limits
from streamer.spool import Spool
from tools.localcloud.readback import stream_data

SHARD_BYTES: Final = 1024 * 1024
SHARD_RECORDS: Final = 1000
#: Kinesis bills PUT payload units of 25 KB (provisioned mode).
PUT_UNIT: Final = 25 * 1024
#: Partition keys are the sink's sequence counter: about 10 ASCII digits.
KEY_BYTES: Final = 10
RATES: Final = (50, 1000, 6000, 20_000)
GOAL_PER_RECORD: Final = 10
GOAL_PER_SHARD: Final = 2000


def shard_capacity(bytes_per_tweet: float, tweets_per_record: float) -> float:
    """Tweets/s one shard carries: the tighter of its byte and record limits."""
    per_tweet = bytes_per_tweet + KEY_BYTES / tweets_per_record
    return min(SHARD_BYTES / per_tweet, SHARD_RECORDS * tweets_per_record)


def run(ctx: Context) -> Figure:
    figure = Figure("2", "Shipping efficiency: tweets per Kinesis record, bytes per tweet")
    lines = ctx.corpus()
    raw = sum(len(line) for line in lines) / len(lines)
    limits = Limits()
    table = [
        "| arrival rate | tweets/record | bytes shipped/tweet | vs raw JSON | PUT units/tweet |",
        "|---|---|---|---|---|",
    ]
    packed: dict[int, tuple[float, float]] = {}
    for rate in RATES:
        sealed = list(pack(lines, rate=rate, limits=limits))
        tweets = sum(s.entries for s in sealed)
        size = sum(len(s.data) for s in sealed)
        per_record, per_tweet = tweets / len(sealed), size / tweets
        units = sum(math.ceil((len(s.data) + KEY_BYTES) / PUT_UNIT) for s in sealed) / tweets
        packed[rate] = (per_record, per_tweet)
        table.append(
            f"| {rate:,}/s | {fmt(per_record)} | {fmt(per_tweet)} B | "
            f"{per_tweet / raw:.2f} | {units:.4f} |"
        )
        ctx.units[f"kinesis_bytes_per_tweet_{rate}"] = per_tweet
        ctx.units[f"kinesis_put_units_per_tweet_{rate}"] = units
    busy_record, busy_bytes = packed[max(RATES)]
    capacity = shard_capacity(busy_bytes, busy_record)
    raw_capacity = shard_capacity(raw, 1)
    low_record = packed[50][0]
    figure.add("tweets per record at the 1% rate (50/s, 0.5 s linger)", low_record, "tweets",
               goal=f">= {GOAL_PER_RECORD}", met=low_record >= GOAL_PER_RECORD)  # fmt: skip
    figure.add("tweets per record when busy (20,000/s)", busy_record, "tweets",
               goal=f">= {GOAL_PER_RECORD}", met=busy_record >= GOAL_PER_RECORD)  # fmt: skip
    figure.add("bytes shipped per tweet vs raw JSON (busy)", busy_bytes / raw, "x")
    figure.add("tweets/s one shard carries (packed, zlib)", capacity, "tweets/s",
               goal=f">= {GOAL_PER_SHARD:,}", met=capacity >= GOAL_PER_SHARD)  # fmt: skip
    figure.add("tweets/s one shard carries (raw JSON, one per record)", raw_capacity, "tweets/s")
    figure.note(
        f"Corpus: {len(lines):,} tweets from the fake X with the streamer's expansions "
        f"(`includes.users`, `includes.tweets`) and `matching_rules`; raw JSON {raw:,.0f} "
        "bytes per tweet. Real posts with media, long text and larger includes run 2-5 KB; "
        "bigger lines fill records sooner (900 KB cap) but compress about as well."
    )
    figure.note("\n".join(table))
    figure.note(
        f"One shard: {SHARD_BYTES:,} bytes/s including partition keys, {SHARD_RECORDS:,} "
        f"records/s. Packed, the byte limit binds ({fmt(busy_bytes)} B/tweet); raw one-per-"
        f"record, the tighter of {SHARD_RECORDS:,} records/s and "
        f"{SHARD_BYTES / (raw + KEY_BYTES):,.0f} lines/s of {raw:,.0f} B."
    )
    ctx.units["raw_bytes_per_tweet"] = raw
    ctx.units["shard_capacity_tweets_per_s"] = capacity
    _ship_and_read_back(ctx, figure, lines)
    return figure


def _ship_and_read_back(ctx: Context, figure: Figure, lines: list[bytes]) -> None:
    settings = ctx.cloud.stage(shards=4)
    client = aws.new_client(settings, "kinesis", SHIPPER_CONFIG)
    sink = KinesisSink(client, settings.kinesis_stream, Spool(ctx.folder("fig2") / "spool"))
    sink.start()
    for line in lines:
        sink.put(records.Entry(0, line))
    sink.close(120)
    shipped, entries, sizes = read_back(settings)
    figure.note(
        f"Shipped for real through `KinesisSink` to the local Kinesis (4 shards, lines put "
        f"as fast as the sink takes them): {sink.stats.shipped:,} tweets in "
        f"{sink.stats.records:,} records and {sink.stats.put_calls:,} PutRecords calls "
        f"({sink.stats.spooled:,} spooled); read back: {entries:,} entries in {shipped:,} "
        f"records, median record {fmt(median(sizes))} bytes, "
        f"{sum(sizes) / max(entries, 1):,.0f} bytes per tweet."
    )


def read_back(settings: Settings) -> tuple[int, int, list[int]]:
    """(records, entries, record sizes) of everything in the stage's stream."""
    sizes, entries = [], 0
    for data in stream_data(settings):
        sizes.append(len(data))
        entries += records.entry_count(data)
    return len(sizes), entries, sizes
