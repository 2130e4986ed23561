"""Figure 4b: the feed backends side by side: fanout, shared and redis, in one run.

The same work through the public feeds API on each backend, alternating: a
page of 20 (its latency, first page and from a cursor), batched deliveries
(``add_stream_items``, the consumer's path), one item to 10,000 recipients,
and paging through a 100,000-item feed. ``fanout`` and ``shared`` run on
dynalite, ``redis`` on the local cloud's valkey-server, all on loopback: the
ratios say more than the absolute times (dynalite is an emulator, and is
slower than DynamoDB; figure 3b models DynamoDB's own latency).
"""

from __future__ import annotations

from typing import Final

from bench.context import Context
from bench.feeds_bench import BASE, contents, items
from bench.harness import Figure, alternate, metered, percentile
from chalicelib.core.settings import Settings
from chalicelib.feeds import Delivery, Feeds

BACKENDS: Final = ("fanout", "shared", "redis")
SMALL_FEED: Final = 300
PAGE: Final = 100
#: One delivery batch: what the consumer hands the feeds for 100 tweets.
BATCH_ITEMS: Final = 100
BATCH_RECIPIENTS: Final = 10


def _feeds(ctx: Context, name: str) -> Feeds:
    stage: Settings = ctx.cloud.stage(stream=False)
    return Feeds.from_settings(stage.model_copy(update={"feed_backend": name}))


def run(ctx: Context) -> Figure:
    figure = Figure("4b", "Feed backends side by side: fanout, shared and redis")
    scale = ctx.scale
    texts = contents(ctx.corpus(), 500)
    feeds = {name: _feeds(ctx, name) for name in BACKENDS}
    for backend in feeds.values():
        backend.backend.import_items("reader", items(texts, SMALL_FEED, "r"))  # type: ignore[attr-defined]
    pages: dict[str, list[float]] = {name: [] for name in BACKENDS}
    rates: dict[str, list[float]] = {name: [] for name in BACKENDS}
    for number, name in alternate(max(3, scale.page_reads), list(BACKENDS)):
        backend = feeds[name]
        for _ in range(5):
            cursor = None
            for _ in range(2):  # the first page, then one from its cursor
                with metered() as clock:
                    cursor = backend.page("reader", 20, cursor).next_cursor
                pages[name].append(clock.wall * 1000)
        batch = [
            Delivery(
                (f"d{number}-{(i * 7 + r) % 500:03d}" for r in range(BATCH_RECIPIENTS)),
                texts[i % len(texts)],
                BASE,
                item_id=f"d{number}-{i:04d}",
            )
            for i in range(BATCH_ITEMS)
        ]
        with metered() as clock:
            backend.add_stream_items(batch)
        rates[name].append(BATCH_ITEMS * BATCH_RECIPIENTS / clock.wall)
    for name in BACKENDS:
        p50, p95 = percentile(pages[name], 50), percentile(pages[name], 95)
        figure.add(f"{name}: page of 20, latency p50", p50, "ms")
        figure.add(f"{name}: page of 20, latency p95", p95, "ms")
    for name in BACKENDS:
        figure.add(f"{name}: deliveries per second (batches of 100 items x 10)",
                   percentile(rates[name], 50), "/s")  # fmt: skip
    for number, name in alternate(1, list(BACKENDS)):
        users = (f"fan-{number}-{i:06d}" for i in range(scale.fanout_recipients))
        with metered() as clock:
            feeds[name].add_stream_item(users, texts[0], BASE, item_id=f"big{number}")
        figure.add(f"{name}: fan one item out to {scale.fanout_recipients:,} recipients",
                   clock.wall, "s")  # fmt: skip
    for name in BACKENDS:
        backend = feeds[name]
        backend.backend.import_items("big", items(texts, scale.feed_items, "i"))  # type: ignore[attr-defined]
        count, cursor = 0, None
        with metered() as clock:
            while True:
                page = backend.page("big", PAGE, cursor)
                count += len(page.items)
                cursor = page.next_cursor
                if cursor is None:
                    break
        assert count == scale.feed_items, (name, count)
        figure.add(f"{name}: page through a {scale.feed_items:,}-item feed ({PAGE} per page)",
                   clock.wall, "s")  # fmt: skip
    for name in ("fanout", "shared"):
        figure.add(f"page of 20, p50: {name} / redis",
                   percentile(pages[name], 50) / percentile(pages["redis"], 50), "x")  # fmt: skip
        figure.add(f"deliveries per second: redis / {name}",
                   percentile(rates["redis"], 50) / percentile(rates[name], 50), "x")  # fmt: skip
    figure.note(
        f"Pages: {len(pages['redis'])} reads per backend of a {SMALL_FEED}-item feed (first "
        "page and one from its cursor, alternating backends), items of the consumer's real "
        f"content. Deliveries: batches of {BATCH_ITEMS} items to {BATCH_RECIPIENTS} "
        "recipients each through `add_stream_items`, median rate. Big feeds are loaded with "
        "`import_items` (not timed)."
    )
    return figure
