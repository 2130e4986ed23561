"""Figure 5b: latency to a subscriber's feed as the API reads it, with fan-out and a hot term.

The demo's composition (fake X, streamer, consumer runner) on a fresh stage,
for ``e2e_seconds`` per scenario:

* (a) 100 tweets/s, 10 subscribers per term, all pushed;
* (b) 50 tweets/s, one hot term with 1,000 subscribers (pulled at read time)
  plus the other terms with 10 subscribers each (pushed).

One of the subscribers ("watcher") follows every term. Latency runs from the
fake X writing a tweet to the socket (its ledger time) to the tweet showing up
in the watcher's feed read through the API's read path (``Feeds`` with the
hot-term pull directory: the user's feed merged with hot terms' feeds), which
the benchmark pages newest first every ``POLL`` s. After the run, the ledger is
checked against the tweets table and the watcher's whole merged feed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from bench.cloud import TERM_IDS
from bench.context import Context
from bench.end_to_end import (
    GOAL_P99_S,
    WATCHER,
    Watch,
    _cpu_note,
    _fmt_latency,
    _latencies,
    composition,
    feed_key,
    flow,
    prepare_terms,
)
from bench.harness import Figure, percentile
from chalicelib.core import aws, resources
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.feeds import Feeds
from chalicelib.hotterms import hot_pulls
from chalicelib.hotterms.spans import Span, format_spans

POLL: Final = 0.2
#: Pages of 100 one sweep reads at most, newest first, down to the oldest pending sample.
MAX_PAGES: Final = 20
HOT_SINCE: Final = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    name: str
    rate: float
    per_term: int
    hot: int  # subscribers of the first term, hot; 0: no hot term


CASES: Final = (
    Case("(a) 100 tweets/s, 10 subscribers per term", 100.0, 10, 0),
    Case("(b) 50 tweets/s, one hot term of 1,000 subscribers, 10 on the others", 50.0, 10, 1000),
)


def preparer(case: Case) -> Any:
    def prepare(settings: Settings) -> None:
        prepare_terms(settings)
        models = bind_models(settings)
        now = datetime.now(UTC)
        with models.subscriptions.batch_write() as batch:
            for index, term in enumerate(TERM_IDS):
                count = case.hot if index == 0 and case.hot else case.per_term
                batch.save(models.subscriptions(WATCHER, term, created_at=now, pull_base=0))
                for n in range(count - 1):
                    batch.save(models.subscriptions(f"u-{term}-{n:05d}", term, created_at=now))
        if case.hot:  # as subscribing one by one would have left it: counted, and hot
            term = models.terms.get(TERM_IDS[0])
            term.update(actions=[
                models.terms.subscribers.set(case.hot),
                models.terms.hot_spans.set(format_spans([Span(HOT_SINCE)])),
                models.terms.spans_version.set(1),
            ])  # fmt: skip

    return prepare


@dataclass
class FeedWatch(Watch):
    """The ledger tail of figure 5, with visibility judged by paging the merged feed."""

    reader: Feeds | None = None
    pages: int = 0
    started: float = field(default_factory=time.monotonic)

    def _check(self, client: Any, table: str) -> int:
        if not self.pending or self.reader is None:
            return 0
        oldest = min(feed_key(tweet_id) for tweet_id in self.pending)
        cursor = None
        for _ in range(MAX_PAGES):
            page = self.reader.page(WATCHER, 100, cursor)
            self.pages += 1
            now = time.time()
            for item in page.items:
                emitted = self.pending.pop(item.id.removeprefix("tweet:"), None)
                if emitted is not None:
                    self.visible[item.id.removeprefix("tweet:")] = now - emitted
            if not page.next_cursor or not page.items or page.items[-1].sort_key <= oldest:
                break
            cursor = page.next_cursor
        return 0  # paced by POLL, not by figure 5's read budget


def run_case(ctx: Context, case: Case, seconds: float) -> dict[str, Any]:
    system = composition(ctx, f"fig5b-{case.rate:g}-{case.hot}", case.rate)
    sample_every = max(1, round(case.rate / 20))  # about 20 samples a second
    try:
        system.start(prepare=preparer(case))
        system.wait_for_state("connected", 60)
        reader = Feeds.from_settings(system.settings, pulls=hot_pulls(system.settings))
        watch = FeedWatch(system, system.settings, sample_every, reader=reader)
        flowed = flow(ctx, system, watch, seconds)
        check = _check(system.settings, reader, [tweet_id for tweet_id, _ in flowed.final])
    finally:
        system.stop()
    return {"watch": watch, "flowing": flowed.flowing, "drained": flowed.drained,
            "check": check, "cpu": flowed.cpu}  # fmt: skip


def _check(settings: Settings, reader: Feeds, sent: list[str]) -> dict[str, int]:
    client = aws.client(settings, "dynamodb")
    stored: set[str] = set()
    paginator = client.get_paginator("scan")
    for page in paginator.paginate(TableName=settings.table_name(resources.TWEETS.logical),
                                   ProjectionExpression="tweet_id"):  # fmt: skip
        stored.update(item["tweet_id"]["S"] for item in page["Items"])
    feed = [item.id.removeprefix("tweet:") for item in reader.get_stream_items(WATCHER)]
    return {
        "sent": len(sent),
        "stored": len(stored),
        "sent but not stored": len(set(sent) - stored),
        "stored but never sent": len(stored - set(sent)),
        "in the feed": len(feed),
        "feed duplicates": len(feed) - len(set(feed)),
        "stored but not in the feed": len(stored - set(feed)),
    }


def run(ctx: Context) -> Figure:
    figure = Figure("5b", "End to end to a subscriber's feed as the API reads it, 5 minutes each")
    seconds = ctx.scale.e2e_seconds
    for case in CASES:
        out = run_case(ctx, case, seconds)
        ctx.cloud.release()
        watch, check = out["watch"], out["check"]
        latencies, unseen = _latencies(watch)
        bound = out["flowing"] + out["drained"]
        p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
        figure.add(f"{case.name}: latency p50", _fmt_latency(p50, bound), "s")
        figure.add(f"{case.name}: latency p95", _fmt_latency(p95, bound), "s")
        figure.add(f"{case.name}: latency p99", _fmt_latency(p99, bound), "s",
                   goal=f"< {GOAL_P99_S:g} s", met=p99 < GOAL_P99_S)  # fmt: skip
        bad = check["sent but not stored"] + check["stored but never sent"]
        bad += check["feed duplicates"] + check["stored but not in the feed"]
        figure.add(f"{case.name}: sent / stored / in the feed",
                   f"{check['sent']:,} / {check['stored']:,} / {check['in the feed']:,}",
                   goal="all equal, no duplicates", met=not bad)  # fmt: skip
        figure.note(
            f"{case.name}: {check['sent']:,} tweets sent in {out['flowing']:.0f} s, every "
            f"{watch.sample_every}th timed ({len(latencies):,} samples, {unseen:,} unseen after "
            f"{out['drained']:.0f} s of drain); the watcher's merged feed paged newest first "
            f"every {POLL * 1000:.0f} ms ({watch.pages:,} pages read). Check: "
            + ", ".join(f"{k} {v:,}" for k, v in check.items())
            + "."
        )
        _cpu_note(figure, case.name, out["cpu"], out["flowing"], check["sent"])
    return figure
