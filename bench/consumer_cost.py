"""Figure 3: what the consumer costs per tweet, in DynamoDB units, requests and CPU.

The corpus is packed into records as the streamer packs it at 1,000 tweets/s
and handed to the consumer's handler (``handle_event``, the code the Lambda
runs) as Lambda-shaped events of ``batch_size`` records, on a fresh stage of
the local cloud. Every DynamoDB client the consumer uses is metered
(``bench.capacity``). Scenarios, alternated per round on fresh stages:

* ``store``: no subscribers: the tweets and term timelines only;
* ``fanout``: 10 subscribers per term: adds one feed item per delivery;
* ``replay``: the ``store`` batches delivered again (a Lambda retry): all duplicates.
"""

from __future__ import annotations

import contextlib
import io
import logging
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from bench.capacity import DynamoMeter, Tally, find_clients, write_units
from bench.cloud import TERM_IDS
from bench.context import Context
from bench.corpus import pack
from bench.harness import Figure, alternate, fmt, median, metered, profile_text, profiled
from chalicelib.consumer.handler import handle_event
from chalicelib.consumer.mapping import MAPPING
from chalicelib.consumer.service import Consumer
from chalicelib.consumer.telemetry import logger
from chalicelib.core import aws, resources
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from tools.eventsource.events import LocalContext, lambda_event

#: The store-only goals are the data model's floor (two tables, no transactions):
#: 1 WCU per tweet row of at most 1 KB plus 1 per matched term; (tweet rows + term
#: rows) / 25 BatchWriteItems plus one dedupe BatchGetItem per 100 tweets.
FLOOR_SLACK: Final = 1.1
SUBSCRIBERS_PER_TERM: Final = 10
#: The arrival rate the records are packed at (500 tweets per record).
PACK_RATE: Final = 1000.0


def events(lines: list[bytes], settings: Settings) -> list[dict[str, Any]]:
    """Lambda events of ``MAPPING.batch_size`` records, as the event source mapping sends."""
    sealed = list(pack(lines, rate=PACK_RATE))
    arn = f"arn:aws:kinesis:{settings.region}:000000000000:stream/{settings.kinesis_stream}"
    now = datetime.now(UTC)
    raw = [
        {"PartitionKey": str(i), "SequenceNumber": f"{i + 1:056d}", "Data": record.data,
         "ApproximateArrivalTimestamp": now}
        for i, record in enumerate(sealed)
    ]  # fmt: skip
    size = MAPPING.batch_size
    return [
        lambda_event(raw[i : i + size], shard_id="shardId-000000000000", stream_arn=arn,
                     region=settings.region)
        for i in range(0, len(raw), size)
    ]  # fmt: skip


def subscribe(settings: Settings, per_term: int) -> None:
    """``per_term`` distinct users on each benchmark term (one term per user)."""
    model = bind_models(settings).subscriptions
    now = datetime.now(UTC)
    with model.batch_write() as batch:
        for term in TERM_IDS:
            for n in range(per_term):
                batch.save(model(f"user-{term}-{n:05d}", term, created_at=now))


def invoke_all(consumer: Consumer, batches: list[dict[str, Any]]) -> None:
    context = LocalContext(function_name="bench-consumer", invoked_function_arn="arn:bench")
    with contextlib.redirect_stdout(io.StringIO()):  # EMF metric lines
        for event in batches:
            response = handle_event(event, context, consumer)
            if response.get("batchItemFailures"):
                raise RuntimeError(f"the consumer failed records: {response}")


class Scenario:
    """One fresh stage, its consumer, its events and the meter on its clients."""

    def __init__(self, ctx: Context, lines: list[bytes], subscribers: int) -> None:
        self.settings = ctx.cloud.stage()
        if subscribers:
            subscribe(self.settings, subscribers)
        self.consumer = Consumer.from_settings(self.settings)
        self.meter = DynamoMeter().attach(*find_clients(self.consumer))
        self.events = events(lines, self.settings)

    def measure(self) -> tuple[Tally, float]:
        """Run every event once: (DynamoDB tally, CPU-seconds of this process)."""
        with self.meter.measuring() as tally, metered() as meter:
            invoke_all(self.consumer, self.events)
        return tally, meter.cpu

    def table(self, logical: str) -> str:
        return self.settings.table_name(logical)


def run(ctx: Context) -> Figure:
    figure = Figure("3", "Consumer cost: DynamoDB capacity, requests and CPU per tweet")
    logger.setLevel(logging.WARNING)
    lines = ctx.corpus()
    tweets = len(lines)
    terms = [len(orjson.loads(line).get("matching_rules", [])) for line in lines]
    subscribed = [0, SUBSCRIBERS_PER_TERM]
    samples: dict[str, list[dict[str, float]]] = {"store": [], "fanout": [], "replay": []}
    last: dict[str, Tally] = {}
    fan_lines = lines[: ctx.scale.fanout_tweets]
    for _, variant in alternate(ctx.scale.consumer_rounds, ["store", "fanout"]):
        fanout = variant == "fanout"
        scenario = Scenario(ctx, fan_lines if fanout else lines, subscribed[fanout])
        tally, cpu = scenario.measure()
        last[variant] = tally
        samples[variant].append(_sample(tally, cpu, len(fan_lines) if fanout else tweets))
        if variant == "store":
            tally, cpu = scenario.measure()  # the same batches again: a retried batch
            last["replay"] = tally
            samples["replay"].append(_sample(tally, cpu, tweets))
            stored = _stored(scenario, tweets)
        else:
            feeds_tables = [scenario.table(resources.FEEDS.logical),
                            scenario.table(resources.FEED_COUNTERS.logical)]  # fmt: skip
            # Each term has its own 10 users: one delivery per (tweet, term, subscriber).
            deliveries = sum(terms[: len(fan_lines)]) * SUBSCRIBERS_PER_TERM
            fanned = last["fanout"]
            samples["fanout"][-1]["delivery_wcu"] = (
                sum(fanned.wcu[t] for t in feeds_tables) / deliveries
            )
            samples["fanout"][-1]["delivery_requests"] = (
                fanned.requests_on(feeds_tables) / deliveries
            )
            samples["fanout"][-1]["deliveries"] = deliveries
    store = {k: median(s[k] for s in samples["store"]) for k in samples["store"][0]}
    fan = {k: median(s[k] for s in samples["fanout"]) for k in samples["fanout"][0]}
    replay = {k: median(s[k] for s in samples["replay"]) for k in samples["replay"][0]}
    floor_wcu, floor_requests = _floor(last["store"], ctx, tweets)
    figure.add("WCU per stored tweet (no subscribers)", store["wcu"], "WCU",
               goal=f"<= {fmt(floor_wcu * FLOOR_SLACK)} (floor {fmt(floor_wcu)} + 10%)",
               met=store["wcu"] <= floor_wcu * FLOOR_SLACK)  # fmt: skip
    figure.add("DynamoDB requests per 1,000 tweets (no subscribers)", store["requests"], "requests",
               goal=f"<= {fmt(floor_requests * FLOOR_SLACK)} (floor {fmt(floor_requests)} + 10%)",
               met=store["requests"] <= floor_requests * FLOOR_SLACK)  # fmt: skip
    figure.add("handler CPU per 1,000 tweets (no subscribers)", store["cpu_ms"], "ms")
    figure.add("RCU per stored tweet (duplicate check)", store["rcu"], "RCU")
    figure.add("WCU per delivery (feed row + counter)", fan["delivery_wcu"], "WCU")
    figure.add("requests per 1,000 deliveries", fan["delivery_requests"] * 1000, "requests")
    figure.add("handler CPU per 1,000 tweets, 10 subscribers per term", fan["cpu_ms"], "ms")
    figure.add("requests per 1,000 re-delivered (duplicate) tweets", replay["requests"],
               "requests")  # fmt: skip
    ctx.units.update(
        wcu_per_tweet=store["wcu"], rcu_per_tweet=store["rcu"],
        requests_per_tweet=store["requests"] / 1000, cpu_ms_per_tweet=store["cpu_ms"] / 1000,
        wcu_per_delivery=fan["delivery_wcu"],
        cpu_ms_per_delivery=(fan["cpu_ms"] - store["cpu_ms"]) / 1000 / max(
            fan["deliveries"] / len(fan_lines), 1e-9),
        requests_per_delivery=fan["delivery_requests"],
    )  # fmt: skip
    ctx.units.update(_storage_units(last, tweets))
    _details(figure, ctx, last, stored, terms, tweets)
    if figure.missed:
        scenario = Scenario(ctx, lines, 0)
        _, profile = profiled(lambda: invoke_all(scenario.consumer, scenario.events))
        label = f"the consumer handler storing {tweets:,} tweets (no subscribers), wall time"
        figure.profiles[label] = profile_text([profile])
        few = fan_lines[: max(20, len(fan_lines) // 5)]
        scenario = Scenario(ctx, few, SUBSCRIBERS_PER_TERM)
        _, profile = profiled(lambda: invoke_all(scenario.consumer, scenario.events))
        label = f"the same with 10 subscribers per term ({len(few):,} tweets), handler thread"
        figure.profiles[label] = profile_text([profile])
    return figure


def _floor(tally: Tally, ctx: Context, tweets: int) -> tuple[float, float]:
    """The data model's floor for what ``tally`` stored: (WCU per tweet, requests per 1,000)."""
    tweet_rows = tally.put_sizes.get(ctx_table(tally, resources.TWEETS.logical), [])
    term_rows = tally.put_sizes.get(ctx_table(tally, resources.TERM_TWEETS.logical), [])
    wcu = (sum(write_units(size) for size in tweet_rows) + len(term_rows)) / tweets
    requests = ((len(tweet_rows) + len(term_rows)) / 25 + tweets / 100) / tweets * 1000
    return wcu, requests


def ctx_table(tally: Tally, logical: str) -> str:
    """The full name of ``logical`` among the tables ``tally`` saw (one stage per tally)."""
    return next((t for t in tally.put_sizes if t.split("-", 1)[-1] == logical), logical)


#: DynamoDB bills 100 bytes of index overhead per stored item.
ITEM_OVERHEAD: Final = 100


def _storage_units(last: dict[str, Tally], tweets: int) -> dict[str, float]:
    """Bytes kept per stored tweet (rows and timeline rows) and per delivered feed row."""
    stored = sum(sum(s) + ITEM_OVERHEAD * len(s) for s in last["store"].put_sizes.values())
    feeds = [
        sizes for table, sizes in last["fanout"].put_sizes.items()
        if table.endswith("-" + resources.FEEDS.logical)
    ]  # fmt: skip
    rows = [size for sizes in feeds for size in sizes]
    per_row = sum(rows) / len(rows) + ITEM_OVERHEAD if rows else float("nan")
    return {"stored_bytes_per_tweet": stored / tweets, "stored_bytes_per_delivery": per_row}


def _sample(tally: Tally, cpu: float, tweets: int) -> dict[str, float]:
    return {
        "wcu": tally.total_wcu / tweets,
        "rcu": tally.total_rcu / tweets,
        "requests": tally.total_requests / tweets * 1000,
        "cpu_ms": cpu * 1000 / tweets * 1000,
    }


def _stored(scenario: Scenario, expected: int) -> int:
    client = aws.client(scenario.settings, "dynamodb")
    table = scenario.table(resources.TWEETS.logical)
    count = 0
    for page in client.get_paginator("scan").paginate(TableName=table, Select="COUNT"):
        count += page["Count"]
    if count != expected:
        raise RuntimeError(f"stored {count} tweets, expected {expected}")
    return count


def _details(
    figure: Figure,
    ctx: Context,
    last: dict[str, Tally],
    stored: int,
    terms: list[int],
    tweets: int,
) -> None:
    store = last["store"]
    figure.note(
        f"{tweets:,} corpus tweets ({sum(terms) / tweets:.2f} matched terms per tweet on "
        f"average), packed at {PACK_RATE:,.0f}/s into records and delivered in events of "
        f"{MAPPING.batch_size} records; {stored:,} tweet rows verified in the table. "
        f"{ctx.scale.consumer_rounds} round(s), medians. Capacity is dynalite's "
        "`ConsumedCapacity` (TOTAL) on every request; CPU is this process's (the handler and "
        "the feeds library's threads) with the local cloud in other processes."
    )
    lines = ["Cross-check of reported WCU against the 1 KB rule on the items put "
             "(`store`, last round):", "",
             "| table | items put | mean item size | WCU by 1 KB rule | WCU reported |",
             "|---|---|---|---|---|"]  # fmt: skip
    for table, sizes in sorted(store.put_sizes.items()):
        rule = sum(write_units(s) for s in sizes)
        short = table.split("-", 1)[-1]
        lines.append(
            f"| {short} | {len(sizes):,} | {fmt(sum(sizes) / len(sizes))} B | {rule:,} | "
            f"{store.wcu.get(table, 0):,.0f} |"
        )
    figure.note("\n".join(lines))
    figure.note("Requests and capacity by operation and table (`store`, last round):\n\n"
                + "\n".join(store.breakdown()))  # fmt: skip
    figure.note(f"With 10 subscribers per term (`fanout`: the first {ctx.scale.fanout_tweets:,} "
                "tweets, last round):\n\n"
                + "\n".join(last["fanout"].breakdown()))  # fmt: skip
