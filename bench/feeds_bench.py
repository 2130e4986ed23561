"""Figure 4: feeds: page reads, a 10,000-recipient fan-out, paging a 100,000-item feed.

Runs on the ``fanout`` and ``shared`` backends, alternating, on fresh stages.
Items carry the consumer's real content (``feed_card`` of corpus tweets,
about 600 bytes of HTML), so read capacity is what a feed of tweets costs.
Big feeds are bulk-loaded with ``import_items`` (not timed) so the time is the
reading. Requests and capacity come from ``bench.capacity`` hooks on the
backends' own clients.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Final

from bench.capacity import DynamoMeter, Tally, find_clients
from bench.context import Context
from bench.harness import Figure, alternate, fmt, median, metered
from chalicelib.consumer.delivery import feed_card
from chalicelib.consumer.parsing import parse_entries
from chalicelib.core.records import Entry
from chalicelib.core.settings import Settings
from chalicelib.feeds import Feeds, StreamItem

BACKENDS: Final = ("fanout", "shared")
BASE: Final = datetime(2026, 1, 1, tzinfo=UTC)
GOAL_REQUESTS: Final = 1
GOAL_RCU_20: Final = 1.0
PAGE: Final = 100  # page size when walking the big feed
SMALL_FEED: Final = 300


def contents(lines: list[bytes], count: int) -> list[str]:
    """``count`` feed item contents made from corpus tweets, as the consumer makes them."""
    parsed = parse_entries([Entry(0, line) for line in lines[:count]], capture_retweets=False)
    return [feed_card(tweet) for tweet in parsed.tweets]


def items(texts: list[str], count: int, prefix: str) -> Iterator[StreamItem]:
    for i in range(count):
        yield StreamItem(f"{prefix}{i:07d}", texts[i % len(texts)], BASE + timedelta(seconds=i))


class Backend:
    """One backend on its own stage, with the meter on its clients."""

    def __init__(self, ctx: Context, name: str) -> None:
        self.name = name
        stage: Settings = ctx.cloud.stage(stream=False)
        self.feeds = Feeds.from_settings(stage.model_copy(update={"feed_backend": name}))
        self.meter = DynamoMeter().attach(*find_clients(self.feeds))

    def load(self, user: str, texts: list[str], count: int) -> None:
        self.feeds.backend.import_items(user, items(texts, count, "i"))  # type: ignore[attr-defined]


def run(ctx: Context) -> Figure:
    figure = Figure("4", "Feeds: page reads, 10,000-recipient fan-out, 100,000-item paging")
    scale = ctx.scale
    texts = contents(ctx.corpus(), 500)
    backends = {name: Backend(ctx, name) for name in BACKENDS}
    pages: dict[tuple[str, int], list[Tally]] = {}
    fanouts: dict[str, list[tuple[Tally, float, float]]] = {n: [] for n in BACKENDS}
    walks: dict[str, tuple[Tally, float, int]] = {}
    for backend in backends.values():
        backend.load("reader", texts, SMALL_FEED)
    for _, name in alternate(scale.page_reads, list(BACKENDS)):
        feeds, meter = backends[name].feeds, backends[name].meter
        for size in (20, 100):
            cursor = None
            for _ in range(2):  # the first page, then one from a cursor
                with meter.measuring() as tally:
                    cursor = feeds.page("reader", size, cursor).next_cursor
                pages.setdefault((name, size), []).append(tally)
    for number, name in alternate(1, list(BACKENDS)):
        backend = backends[name]
        users = (f"fan-{number}-{i:06d}" for i in range(scale.fanout_recipients))
        with backend.meter.measuring() as tally, metered() as clock:
            result = backend.feeds.add_stream_item(users, texts[0], BASE, item_id=f"big{number}")
        assert result.recipients == scale.fanout_recipients
        fanouts[name].append((tally, clock.wall, clock.cpu))
    for name in BACKENDS:
        backend = backends[name]
        backend.load("big", texts, scale.feed_items)
        count, cursor = 0, None
        with backend.meter.measuring() as tally, metered() as clock:
            while True:
                page = backend.feeds.page("big", PAGE, cursor)
                count += len(page.items)
                cursor = page.next_cursor
                if cursor is None:
                    break
        assert count == scale.feed_items, (count, scale.feed_items)
        walks[name] = (tally, clock.wall, count)
    ctx.units["page20_rcu"] = median(t.total_rcu for t in pages[("fanout", 20)])
    _rows(figure, scale.fanout_recipients, scale.feed_items, pages, fanouts, walks)
    _details(figure, texts, pages, fanouts)
    return figure


def _rows(
    figure: Figure,
    recipients: int,
    feed_items: int,
    pages: dict[tuple[str, int], list[Tally]],
    fanouts: dict[str, list[tuple[Tally, float, float]]],
    walks: dict[str, tuple[Tally, float, int]],
) -> None:
    for name in BACKENDS:
        for size in (20, 100):
            tallies = pages[(name, size)]
            requests = median(t.total_requests for t in tallies)
            rcu = median(t.total_rcu for t in tallies)
            figure.add(f"{name}: requests per page of {size}", requests, "requests",
                       goal=f"<= {GOAL_REQUESTS}", met=requests <= GOAL_REQUESTS)  # fmt: skip
            if size == 20:
                figure.add(f"{name}: RCU per page of {size}", rcu, "RCU",
                           goal=f"<= {GOAL_RCU_20:g}", met=rcu <= GOAL_RCU_20)  # fmt: skip
            else:
                figure.add(f"{name}: RCU per page of {size}", rcu, "RCU")
    for name in BACKENDS:
        tally, wall, _ = fanouts[name][-1]
        figure.add(f"{name}: fan one item out to {recipients:,} recipients", wall, "s")
        figure.add(f"{name}: requests for that fan-out", tally.total_requests, "requests")
    for name in BACKENDS:
        _, wall, _ = walks[name]
        figure.add(f"{name}: page through a {feed_items:,}-item feed ({PAGE} per page)", wall,
                   "s")  # fmt: skip


def _details(
    figure: Figure,
    texts: list[str],
    pages: dict[tuple[str, int], list[Tally]],
    fanouts: dict[str, list[tuple[Tally, float, float]]],
) -> None:
    size = median(len(t.encode()) for t in texts)
    figure.note(
        f"Item content: the consumer's HTML snippet of corpus tweets, median {fmt(size)} bytes. "
        f"Pages are read from a {SMALL_FEED}-item feed: the first page and one from its "
        "cursor, several times, medians. The backends read with `ConsistentRead=True`, which "
        "costs twice the eventually consistent units, and `page(k)` asks for k+1 items to know "
        "whether there is a next page."
    )
    per_page = 21 * (size + 120) / 1024  # 20 items and the look-ahead one, with their keys
    figure.note(
        f"Why a page of 20 costs what it does: 21 items of about {fmt(size + 120)} bytes "
        f"(content plus keys and attributes) are {per_page:.1f} KB, which is "
        f"{math.ceil(per_page / 4)} RCU read strongly, {math.ceil(per_page / 4) / 2:g} "
        "eventually consistent. One RCU per page of 20 would need items under about 190 "
        "bytes and eventually consistent reads. `shared` adds a BatchGetItem of the messages, "
        "and BatchGetItem rounds every item up to 4 KB: one RCU per item read strongly."
    )
    table = ["| backend | page | requests | RCU | operations |", "|---|---|---|---|---|"]
    for (name, size), tallies in sorted(pages.items()):
        last = tallies[-1]
        ops = ", ".join(f"{op} x{n}" for (op, _), n in sorted(last.requests.items()))
        table.append(
            f"| {name} | {size} | {median(t.total_requests for t in tallies):g} | "
            f"{median(t.total_rcu for t in tallies):g} | {ops} |"
        )
    figure.note("\n".join(table))
    lines = ["| backend | wall s | CPU s | requests | WCU |", "|---|---|---|---|---|"]
    for name, runs in fanouts.items():
        tally, wall, cpu = runs[-1]
        lines.append(
            f"| {name} | {wall:.1f} | {cpu:.1f} | {tally.total_requests:,} | "
            f"{tally.total_wcu:,.0f} |"
        )
    breakdown = "\n".join(fanouts["fanout"][-1][0].breakdown())
    figure.note(
        "Fan-out of one item (wall time on dynalite, this process's CPU):\n\n"
        + "\n".join(lines)
        + "\n\n`fanout` backend, by operation:\n\n"
        + breakdown
    )
