"""Figure 3d: hot terms: what a tweet of a 10,000-subscriber term costs, and what a page costs.

A hot term's tweets are written once, into the term's own feed, so a tweet of
a term with 10,000 subscribers should cost about what a tweet of a term with
none costs. The corpus is re-tagged to match one term; the two variants (the
term hot with 10,000 subscribers, the term with no subscribers) alternate on
fresh stages through the consumer's handler. "Writes per tweet" counts items
written (each row of a BatchWriteItem, each UpdateItem), whatever the table.

Pages: a user's page of 20 through the API's ``Feeds`` (with the hot-term
pull directory), read several times, medians; with no term ever hot, and
with h hot subscriptions.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Final

import orjson

from bench.capacity import DynamoMeter, Tally, find_clients
from bench.consumer_cost import Scenario
from bench.context import Context
from bench.harness import Figure, alternate, median
from chalicelib.consumer.telemetry import logger
from chalicelib.core import aws, resources
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.feeds import Delivery, Feeds
from chalicelib.hotterms import hot_pulls, term_feed
from chalicelib.hotterms.spans import Span, format_spans

HOT_SUBSCRIBERS: Final = 10_000
TERM: Final = "hotbench"
GOAL_WRITES: Final = 3
VARIANTS: Final = ["hot, 10,000 subscribers", "no subscribers"]
PAGE: Final = 20
#: Pulling since long before the corpus was captured: every corpus tweet is pulled.
SINCE: Final = datetime(2000, 1, 1, tzinfo=UTC)


def retag(lines: list[bytes], term: str) -> list[bytes]:
    out = []
    for line in lines:
        tweet = orjson.loads(line)
        tweet["matching_rules"] = [{"id": "r-hot", "tag": term}]
        out.append(orjson.dumps(tweet))
    return out


def mark_hot(settings: Settings, term: str, subscribers: int, since: datetime) -> None:
    """The term's row with ``subscribers`` counted and a span open since ``since``.

    What subscribing would have left, for subscriptions a benchmark writes in bulk.
    """
    now = datetime.now(UTC)
    bind_models(settings).terms(term, value=f"#{term}", tag=term, created_at=now, updated_at=now,
                                subscribers=subscribers, hot_spans=format_spans([Span(since)]),
                                spans_version=1).save()  # fmt: skip


def make_hot(settings: Settings, term: str, subscribers: int, since: datetime) -> None:
    """``subscribers`` subscriptions to a term that is hot since ``since``."""
    models = bind_models(settings)
    mark_hot(settings, term, subscribers, since)
    with models.subscriptions.batch_write() as batch:
        for n in range(subscribers):
            batch.save(models.subscriptions(f"fan-{n:05d}", term, created_at=since, pull_base=0))


def writes(tally: Tally, settings: Settings) -> tuple[int, int]:
    """(rows of the tweet itself: tweet, timeline, feed rows; bookkeeping: counters, control)."""
    own = {settings.table_name(t.logical) for t in (resources.TWEETS, resources.TERM_TWEETS,
                                                    resources.FEEDS)}  # fmt: skip
    rows = sum(len(sizes) for table, sizes in tally.put_sizes.items() if table in own)
    other = sum(len(sizes) for table, sizes in tally.put_sizes.items() if table not in own)
    other += sum(n for (op, _), n in tally.requests.items() if op in ("UpdateItem", "DeleteItem"))
    return rows, other


def tweet_cost(ctx: Context, variant: str, lines: list[bytes]) -> dict[str, float]:
    scenario = Scenario(ctx, [], 0)
    if variant.startswith("hot"):
        make_hot(scenario.settings, TERM, HOT_SUBSCRIBERS, SINCE)
    scenario.events = Scenario(ctx, lines, 0).events
    tally, cpu = scenario.measure()
    rows, bookkeeping = writes(tally, scenario.settings)
    return {
        "writes": rows / len(lines),
        "bookkeeping": bookkeeping / len(lines),
        "wcu": tally.total_wcu / len(lines),
        "cpu_ms": cpu * 1000 / len(lines),
        "requests": tally.total_requests / len(lines),
    }


def page_cost(ctx: Context, hot_terms: int, reads: int) -> tuple[float, float]:
    """Median (requests, RCU) of a page of 20 for a user with ``hot_terms`` hot subscriptions."""
    settings = ctx.cloud.stage()
    writer = Feeds.from_settings(settings)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    text = '{"a":"1234567890","u":"some_user","n":"Some User","t":"' + "x" * 120 + '"}'
    batch = [
        Delivery(["reader"], text, base + timedelta(seconds=i), f"tweet:{i}") for i in range(60)
    ]
    for h in range(hot_terms):
        term = f"hot{h}"
        make_hot(settings, term, 0, base)
        bind_models(settings).subscriptions("reader", term, created_at=base, pull_base=0).save()
        batch += [Delivery([term_feed(term)], text, base + timedelta(seconds=i, milliseconds=h + 1),
                           f"tweet:{h}-{i}") for i in range(60)]  # fmt: skip
    writer.add_stream_items(batch)
    reader = Feeds.from_settings(settings, pulls=hot_pulls(settings))
    meter = DynamoMeter().attach(*find_clients(reader), aws.bulk_dynamodb(settings))
    reader.page("reader", PAGE)  # warm: clients, and the pull directory's view of the terms
    samples = []
    for _ in range(reads):
        with meter.measuring() as tally:
            page = reader.page("reader", PAGE)
        assert len(page.items) == PAGE
        samples.append((tally.total_requests, tally.total_rcu))
    return median(s[0] for s in samples), median(s[1] for s in samples)


def run(ctx: Context) -> Figure:
    figure = Figure("3d", "Hot terms: a tweet of a 10,000-subscriber term; a page with hot terms")
    logger.setLevel(logging.WARNING)
    lines = retag(ctx.corpus()[: max(50, ctx.scale.fanout_tweets // 2)], TERM)
    samples: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    for variant in VARIANTS:  # warm up (imports, clients, pools): not measured
        tweet_cost(ctx, variant, lines[:20])
    for _, variant in alternate(ctx.scale.consumer_rounds, VARIANTS):
        samples[variant].append(tweet_cost(ctx, variant, lines))
    hot, cold = ({k: median(s[k] for s in samples[v]) for k in samples[v][0]} for v in VARIANTS)
    figure.add("rows written per tweet, hot term with 10,000 subscribers", hot["writes"],
               "writes", goal=f"<= {GOAL_WRITES}", met=hot["writes"] <= GOAL_WRITES)  # fmt: skip
    figure.add("the same, a term with no subscribers", cold["writes"], "writes")
    figure.add("bookkeeping writes per tweet (counters, totals), hot / no subscribers",
               f"{hot['bookkeeping']:.3f} / {cold['bookkeeping']:.3f}")  # fmt: skip
    figure.add("WCU per tweet, hot term / no subscribers", f"{hot['wcu']:.2f} / {cold['wcu']:.2f}")
    figure.add("consumer CPU per tweet, hot term with 10,000 subscribers", hot["cpu_ms"], "ms")
    figure.add("the same, a term with no subscribers", cold["cpu_ms"], "ms")
    figure.add("CPU per tweet, hot / no subscribers", hot["cpu_ms"] / cold["cpu_ms"], "x")
    reads = max(3, ctx.scale.page_reads)
    for h in (0, 1, 3):
        requests, rcu = page_cost(ctx, h, reads)
        label = "no term ever hot" if h == 0 else f"{h} hot subscription{'s' if h > 1 else ''}"
        figure.add(f"page of {PAGE}, {label}: requests", requests, "requests",
                   goal=f"<= {1 + h}", met=requests <= 1 + h)  # fmt: skip
        figure.add(f"page of {PAGE}, {label}: RCU", rcu, "RCU",
                   **({"goal": "<= 1", "met": rcu <= 1} if h == 0 else {}))  # fmt: skip
    figure.note(
        f"{len(lines)} corpus tweets re-tagged to one term, through the consumer's handler on "
        f"fresh stages, {ctx.scale.consumer_rounds} alternating round(s), medians. Pages: a "
        "reader with 60 items of their own and 60 in each hot term's feed (card-sized "
        f"content), {reads} reads, medians, after one read that warms the view of the terms. "
        "With any term ever hot, a page also reads the user's subscriptions (1 Query); the "
        "view of which terms were ever hot costs one Scan of the terms table per 10 s per "
        "process, not counted here."
    )
    return figure
