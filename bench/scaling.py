"""Scaling (issue 10): a 4-shard stream drained by the consumer runner, shards in parallel.

For each number of subscribers per term, a fresh stage gets a 4-shard stream
filled with the corpus packed as the streamer packs it at 200 tweets/s
(100-tweet records), spread evenly over the shards. Then the local event
source runner (``tools.eventsource.runner``, what ``streamfeed consume
--until-idle`` runs: one thread per shard, each in order, Lambda's batch size
and window) drains the stream, invoking the
consumer's handler. Each invocation is timed and tagged with its shard, which
gives tweets/s per shard and in total, and lag: how long a batch's oldest
record had waited in the stream when its invocation started (Lambda's
iterator age). DynamoDB items written per tweet come from the meter on the
consumer's clients.
"""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final

from bench.capacity import DynamoMeter, Tally, find_clients
from bench.cloud import TERM_IDS
from bench.consumer_cost import subscribe
from bench.context import Context
from bench.corpus import pack
from bench.harness import Figure, fmt, metered
from bench.hot_terms import SINCE, mark_hot
from chalicelib.consumer.handler import handle_event
from chalicelib.consumer.service import Consumer
from chalicelib.consumer.telemetry import logger
from chalicelib.core import aws, records
from chalicelib.core.settings import Settings
from streamer.packing import Limits
from tools.eventsource.runner import Runner
from tools.eventsource.shards import Pacing

SHARDS: Final = 4
#: Records as the streamer packs them at 200 tweets/s: 100 tweets each, so every
#: shard gets several batches (smaller records for a few tweets: ``pack_rate``).
PACK_RATE: Final = 200.0
#: Deliveries one scenario may make at most (each is a row and a counter update).
DELIVERY_BUDGET: Final = {"full": 200_000, "quick": 5_000, "smoke": 300}


def is_hot(settings: Settings, subscribers: int) -> bool:
    threshold = settings.hot_term_subscribers
    return bool(threshold) and subscribers >= threshold


@dataclass
class Call:
    shard: str
    started: float
    ended: float
    tweets: int
    lag: float


@dataclass
class Recorder:
    """The handler as the runner invokes it, timing each call by shard."""

    consumer: Consumer
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        rows = event["Records"]
        started = time.time()
        oldest = min(r["kinesis"]["approximateArrivalTimestamp"] for r in rows)
        tweets = sum(records.entry_count(base64.b64decode(r["kinesis"]["data"])) for r in rows)
        with contextlib.redirect_stdout(io.StringIO()):
            response = handle_event(event, context, self.consumer)
        call = Call(rows[0]["eventID"].split(":")[0], started, time.time(), tweets,
                    started - float(oldest))  # fmt: skip
        with self.lock:
            self.calls.append(call)
        return response


def pack_rate(tweets: int, shards: int) -> float:
    """``PACK_RATE``, or slower for a few tweets, so that every shard gets two records.

    (The fan-out scenarios put few tweets through: at 100 tweets a record, 20
    tweets would be one record on one shard, and nothing would run in parallel.)
    """
    linger = Limits().linger_s
    return min(PACK_RATE, max(1.0, tweets / (2 * shards) / linger))


def fill(settings: Settings, lines: list[bytes]) -> int:
    """Put the corpus into the stage's stream, packed as the streamer packs it; records.

    Records go to the shards in turn (an explicit hash key per shard), so every
    shard gets the same share, as the streamer's spread partition keys give
    over many records.
    """
    kinesis = aws.client(settings, "kinesis")
    shards = kinesis.list_shards(StreamName=settings.kinesis_stream)["Shards"]
    hashes = [shard["HashKeyRange"]["StartingHashKey"] for shard in shards]
    sealed = list(pack(lines, rate=pack_rate(len(lines), len(hashes))))
    for start in range(0, len(sealed), 10):
        batch = [{"Data": s.data, "PartitionKey": str(start + i),
                  "ExplicitHashKey": hashes[(start + i) % len(hashes)]}
                 for i, s in enumerate(sealed[start : start + 10])]  # fmt: skip
        response = kinesis.put_records(StreamName=settings.kinesis_stream, Records=batch)
        if response.get("FailedRecordCount"):
            raise RuntimeError(f"local Kinesis refused {response['FailedRecordCount']} records")
    return len(sealed)


@dataclass
class Scenario:
    subscribers: int
    tweets: int
    records: int
    wall: float
    cpu: float
    calls: list[Call]
    tally: Tally


def run_scenario(ctx: Context, subscribers: int, lines: list[bytes]) -> Scenario:
    settings = ctx.cloud.stage(shards=SHARDS)
    if subscribers:
        subscribe(settings, subscribers)
    if is_hot(settings, subscribers):
        for term in TERM_IDS:  # as subscribing one by one would have left them
            mark_hot(settings, term, subscribers, SINCE)
    filled = fill(settings, lines)
    consumer = Consumer.from_settings(settings)
    meter = DynamoMeter().attach(*find_clients(consumer))
    recorder = Recorder(consumer)
    runner = Runner(settings, recorder, pacing=Pacing(poll_interval=0.2))
    with meter.measuring() as tally, metered() as clock:
        runner.run(until_idle=True)
    tweets = sum(c.tweets for c in recorder.calls)
    return Scenario(subscribers, tweets, filled, clock.wall, clock.cpu, recorder.calls, tally)


def run(ctx: Context) -> Figure:
    figure = Figure("scaling", "4 shards drained in parallel by the consumer runner")
    logger.setLevel(logging.WARNING)
    corpus = ctx.corpus()[: ctx.scale.scaling_tweets]
    budget = DELIVERY_BUDGET.get(ctx.scale.name, 3_000)
    results = []
    for subscribers in ctx.scale.scaling_subscribers:
        # Each matched term has its own subscribers: about 1.2 deliveries per subscriber,
        # unless the terms are hot (then a tweet is written once, whatever the count).
        pushed = subscribers and not is_hot(Settings(), subscribers)
        count = min(len(corpus), budget // subscribers) if pushed else len(corpus)
        count = max(count, 4 * SHARDS)
        results.append(run_scenario(ctx, subscribers, corpus[:count]))
    for result in results:
        label = f"{result.subscribers:,} subscribers per term"
        figure.add(f"{label}: tweets/s stored, 4 shards", result.tweets / result.wall,
                   "tweets/s")  # fmt: skip
        figure.add(f"{label}: slowest shard's peak lag", max(c.lag for c in result.calls), "s")
    figure.note(_table(results))
    figure.note(_per_shard(results))
    figure.note(
        "The runner and every shard's handler run in this one process: the shards' I/O "
        "overlaps, their Python work shares one interpreter lock, and the local cloud shares "
        "the same 2 cores. On AWS each shard's batch is its own Lambda invocation, so "
        "per-shard figures are the ones to scale by."
    )
    ctx.units["scaling_tweets_per_s"] = results[0].tweets / results[0].wall
    return figure


def _table(results: list[Scenario]) -> str:
    lines = [
        "| subscribers per term | tweets | records | wall s | tweets/s (4 shards) | "
        "deliveries | items written per tweet | requests per tweet | CPU ms per tweet |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        puts = sum(len(sizes) for sizes in r.tally.put_sizes.values())
        updates = sum(n for (op, _), n in r.tally.requests.items() if op == "UpdateItem")
        deliveries = sum(
            len(sizes) for table, sizes in r.tally.put_sizes.items() if table.endswith("-feeds")
        )
        lines.append(
            f"| {r.subscribers:,} | {r.tweets:,} | {r.records:,} | {r.wall:.1f} | "
            f"{fmt(r.tweets / r.wall)} | {deliveries:,} | {fmt((puts + updates) / r.tweets)} | "
            f"{fmt(r.tally.total_requests / r.tweets)} | {fmt(r.cpu * 1000 / r.tweets)} |"
        )
    return "\n".join(lines)


def _per_shard(results: list[Scenario]) -> str:
    lines = [
        "| subscribers per term | shard | invocations | tweets | busy s | tweets/s while busy | "
        "lag at first batch s | peak lag s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for shard in sorted({c.shard for c in r.calls}):
            calls = sorted((c for c in r.calls if c.shard == shard), key=lambda c: c.started)
            busy = sum(c.ended - c.started for c in calls)
            tweets = sum(c.tweets for c in calls)
            lines.append(
                f"| {r.subscribers:,} | {shard.removeprefix('shardId-')} | {len(calls)} | "
                f"{tweets:,} | {busy:.1f} | {fmt(tweets / busy if busy else 0)} | "
                f"{calls[0].lag:.1f} | {max(c.lag for c in calls):.1f} |"
            )
    return "\n".join(lines)
