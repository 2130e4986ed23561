"""Figure 3c: batched delivery against one item at a time, alternating, on the local cloud.

Two workloads, each run both ways on fresh stages, rounds alternated:

* ``dense``: figure 3's workload through the consumer's handler: corpus
  tweets, 10 subscribers per term, so each subscriber gets several items per
  chunk of 100 tweets;
* ``sparse``: the feeds alone: batches of 100 items, each to 10 users, no
  user twice in a batch (about one item per user per batch, as on the 1%
  stream), the users coming back batch after batch.

"batched" is what ships: one ``add_stream_items`` per chunk, marked by its
shard and place, counts in the writer's own rows. "one at a time" is the path
every delivery took before (one ``add_stream_items`` per item, unmarked: rows
per item, one conditional counter UpdateItem per recipient), kept because it
is still the path of a single ``add_stream_item``. CPU is this process's
(handler, feeds threads, botocore), the local cloud runs in other processes;
for ``dense`` the same tweets stored with no subscribers are subtracted.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Final

import orjson

from bench.capacity import DynamoMeter, Tally, find_clients
from bench.consumer_cost import SUBSCRIBERS_PER_TERM, Scenario
from bench.context import Context
from bench.harness import Figure, alternate, fmt, median, metered
from bench.latency import VARIANTS, delivering
from chalicelib.consumer.telemetry import logger
from chalicelib.core import resources
from chalicelib.feeds import BatchMark, Delivery, Feeds

GOAL_REQUESTS: Final = 100
GOAL_WCU: Final = 1.1
GOAL_CPU_MS: Final = 0.15
SPARSE_BATCH: Final = 100
SPARSE_FANOUT: Final = 10


def feeds_tables(scenario: Scenario) -> list[str]:
    return [scenario.table(resources.FEEDS.logical),
            scenario.table(resources.FEED_COUNTERS.logical)]  # fmt: skip


def dense(ctx: Context, variant: str, lines: list[bytes]) -> dict[str, float]:
    deliveries = (
        sum(len(orjson.loads(line).get("matching_rules", [])) for line in lines)
        * SUBSCRIBERS_PER_TERM
    )
    store = Scenario(ctx, lines, 0)
    _, store_cpu = store.measure()
    scenario = Scenario(ctx, lines, SUBSCRIBERS_PER_TERM)
    with delivering(variant):
        tally, cpu = scenario.measure()
    return _sample(tally, feeds_tables(scenario), deliveries, cpu - store_cpu)


def sparse(ctx: Context, variant: str, batches: int) -> dict[str, float]:
    settings = ctx.cloud.stage()
    feeds = Feeds.from_settings(settings)
    meter = DynamoMeter().attach(*find_clients(feeds))
    users = [f"reader-{n:05d}" for n in range(SPARSE_BATCH * SPARSE_FANOUT)]
    base = datetime(2026, 12, 4, tzinfo=UTC)
    work = []
    for b in range(batches):
        shift = (b * 37) % len(users)  # the same users, dealt differently each batch
        dealt = users[shift:] + users[:shift]
        work.append([
            Delivery(dealt[i * SPARSE_FANOUT : (i + 1) * SPARSE_FANOUT], f'{{"t":"tweet {b}-{i}"}}',
                     base + timedelta(seconds=b, microseconds=i), f"tweet:{b}{i:03d}")
            for i in range(SPARSE_BATCH)
        ])  # fmt: skip
    with meter.measuring() as tally, metered() as cpu:
        for b, batch in enumerate(work):
            if variant == "batched":
                feeds.add_stream_items(batch, mark=BatchMark("shardId-0", f"{b:06d}"))
            else:
                for delivery in batch:
                    feeds.add_stream_items([delivery])
    tables = [settings.table_name(resources.FEEDS.logical),
              settings.table_name(resources.FEED_COUNTERS.logical)]  # fmt: skip
    return _sample(tally, tables, batches * SPARSE_BATCH * SPARSE_FANOUT, cpu.cpu)


def _sample(tally: Tally, tables: list[str], deliveries: int, cpu: float) -> dict[str, float]:
    return {
        "requests": tally.requests_on(tables) / deliveries * 1000,
        "wcu": sum(tally.wcu.get(t, 0.0) for t in tables) / deliveries,
        "cpu_ms": cpu * 1000 / deliveries,
        "deliveries": deliveries,
    }


def run(ctx: Context) -> Figure:
    figure = Figure("3c", "Batched delivery: requests, WCU and CPU per delivery, before and after")
    logger.setLevel(logging.WARNING)
    lines = ctx.corpus()[: ctx.scale.fanout_tweets]
    batches = max(2, ctx.scale.fanout_tweets // SPARSE_BATCH)
    rounds = ctx.scale.consumer_rounds
    samples: dict[tuple[str, str], list[dict[str, float]]] = {}
    for variant in VARIANTS:  # warm up (imports, clients, pools): not measured
        dense(ctx, variant, lines[:20])
    for _, variant in alternate(rounds, VARIANTS):
        samples.setdefault(("dense", variant), []).append(dense(ctx, variant, lines))
        samples.setdefault(("sparse", variant), []).append(sparse(ctx, variant, batches))
    for workload in ("dense", "sparse"):
        after = {k: median(s[k] for s in samples[workload, "batched"]) for k in
                 ("requests", "wcu", "cpu_ms", "deliveries")}  # fmt: skip
        before = {k: median(s[k] for s in samples[workload, "one at a time"]) for k in after}
        figure.add(f"{workload}: DynamoDB requests per 1,000 deliveries, batched",
                   after["requests"], "requests", goal=f"<= {GOAL_REQUESTS}",
                   met=after["requests"] <= GOAL_REQUESTS)  # fmt: skip
        figure.add(f"{workload}: the same, one at a time (before)", before["requests"], "requests")
        figure.add(f"{workload}: WCU per delivery, batched", after["wcu"], "WCU",
                   goal=f"<= {GOAL_WCU}", met=after["wcu"] <= GOAL_WCU)  # fmt: skip
        figure.add(f"{workload}: the same, one at a time (before)", before["wcu"], "WCU")
        figure.add(f"{workload}: consumer CPU per delivery, batched", after["cpu_ms"], "ms",
                   goal=f"<= {GOAL_CPU_MS}", met=after["cpu_ms"] <= GOAL_CPU_MS)  # fmt: skip
        figure.add(f"{workload}: the same, one at a time (before)", before["cpu_ms"], "ms")
        figure.add(f"{workload}: CPU per delivery, before / after",
                   before["cpu_ms"] / after["cpu_ms"], "x")  # fmt: skip
    figure.note(
        f"dense: {len(lines):,} corpus tweets through the consumer's handler, "
        f"{fmt(samples['dense', 'batched'][0]['deliveries'])} deliveries per run; sparse: "
        f"{batches} batches of {SPARSE_BATCH} items x {SPARSE_FANOUT} recipients over "
        f"{SPARSE_BATCH * SPARSE_FANOUT:,} users. {rounds} alternating round(s), medians. "
        "Requests and WCU count the feeds and feed-counters tables only (the tweets' own "
        "tables are figure 3's)."
    )
    return figure
