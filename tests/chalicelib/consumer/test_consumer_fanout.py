"""Fan-out into feeds: one item per subscriber, safe HTML, stable ids, big terms streamed.

Feeds are the real ``fanout`` backend on the local dynalite, the Lambda's default.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import orjson
import pytest

from chalicelib import cards
from chalicelib.consumer import runtime
from chalicelib.consumer.quarantine import RecordRef
from chalicelib.consumer.service import Consumer
from chalicelib.consumer.subscribers import CACHE_LIMIT, PAGE_SIZE, SubscriberLookup
from chalicelib.consumer.telemetry import Counts
from chalicelib.core import metricnames as names
from chalicelib.core import resources
from chalicelib.core.settings import Settings
from chalicelib.feeds import BatchMark, Feeds, StreamItem
from chalicelib.feeds.backends.fanout import FanoutBackend
from chalicelib.feeds.protocol import Addition
from chalicelib.feeds.service import BATCH_ROWS
from tests.chalicelib.consumer.conftest import emf_counts, feed, invoke, subscribe
from tests.chalicelib.consumer.support import Lines, kinesis_event, record, tweet_id

HOSTILE = "<script>alert('x')</script> & <img src=x onerror=alert(1)> \"quoted\"\nline two"


class Markup(HTMLParser):
    """The tags, attributes and text of an HTML snippet, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def markup(content: str) -> Markup:
    parser = Markup()
    parser.feed(content)
    parser.close()
    return parser


def test_one_subscriber_gets_one_item_with_author_text_and_link(consumer: Consumer) -> None:
    settings = consumer.settings
    subscribe(settings, [("alice", "alpha")])
    line = Lines().line(["alpha"])
    tweet = orjson.loads(line)
    invoke(kinesis_event([record([line])]))

    [item] = feed(consumer.fanout.feeds, "alice")
    author = tweet["includes"]["users"][0]
    assert item.id == f"tweet:{tweet_id(line)}"
    assert item.created_at == datetime.fromisoformat(tweet["data"]["created_at"])
    seen = markup(cards.render(item.id, item.content))
    assert f"@{author['username']}" in seen.text
    assert ("href", f"https://x.com/{author['username']}/status/{tweet_id(line)}") in (
        seen.attributes
    )
    assert tweet["data"]["text"].replace("\n", "") in "".join(seen.text)


def test_hostile_text_and_names_are_escaped(consumer: Consumer) -> None:
    subscribe(consumer.settings, [("alice", "alpha")])
    villain = {"id": "666", "username": "mallory", "name": "<b onmouseover=alert(2)>Mal</b>"}
    line = Lines().line(["alpha"], text=HOSTILE, author=villain)
    invoke(kinesis_event([record([line])]))

    [item] = feed(consumer.fanout.feeds, "alice")
    seen = markup(cards.render(item.id, item.content))
    assert set(seen.tags) <= {"article", "header", "span", "a", "p", "br"}
    assert not [name for name, _ in seen.attributes if name.startswith("on")]
    shown = "".join(seen.text)
    assert HOSTILE.replace("\n", "") in shown  # shown as text, all of it
    assert villain["name"] in shown


def test_a_user_of_two_matched_terms_gets_one_item(consumer: Consumer) -> None:
    settings = consumer.settings
    pairs = [("both", "alpha"), ("both", "beta"), ("only-a", "alpha"), ("only-b", "beta")]
    subscribe(settings, [*pairs, ("c", "gamma")])
    line = Lines().line(["alpha", "beta"])
    invoke(kinesis_event([record([line])]))

    feeds = consumer.fanout.feeds
    for user in ("both", "only-a", "only-b"):
        assert [i.id for i in feed(feeds, user)] == [f"tweet:{tweet_id(line)}"]
        assert len(feeds.get_stream_items(user)) == 1
    assert feed(feeds, "c") == []


def test_a_term_added_later_reaches_only_the_users_who_lacked_the_tweet(
    consumer: Consumer,
) -> None:
    subscribe(consumer.settings, [("both", "alpha"), ("both", "beta"), ("only-b", "beta")])
    lines = Lines()
    line = lines.line(["alpha"])
    invoke(kinesis_event([record([line])]))
    # X delivers the same tweet again (e.g. after a rule change) matching beta too.
    again = orjson.loads(line)
    again["matching_rules"] = [{"id": "r", "tag": "beta"}]
    counts = Counts()
    ref = RecordRef("arn", "shardId-0", "1")
    consumer.process_record(record([orjson.dumps(again)]), ref, consumer.new_lookup(), counts)

    assert counts.feed_items_written == 1  # only-b; "both" had it already
    feeds = consumer.fanout.feeds
    assert [len(feeds.get_stream_items(u)) for u in ("both", "only-b")] == [1, 1]


def test_subscribers_are_read_once_per_invocation(consumer: Consumer) -> None:
    subscribe(consumer.settings, [(f"user-{n}", "alpha") for n in range(30)])
    lookups: list[SubscriberLookup] = []

    def new_lookup() -> SubscriberLookup:
        lookups.append(SubscriberLookup(consumer.store.client, *_index(consumer.settings)))
        return lookups[-1]

    consumer.new_lookup = new_lookup
    lines = Lines()
    invoke(kinesis_event([record([lines.line(["alpha"]) for _ in range(5)]) for _ in range(3)]))

    [lookup] = lookups
    assert lookup.pages_read == 1
    assert len(consumer.fanout.feeds.get_stream_items("user-29")) == 15


class Observed:
    """The real feed backend, observed: each batch's rows and how far the subscriber read had
    got; on cue, one batch stores half its additions and then dies (a crash mid fan-out)."""

    def __init__(self, inner: FanoutBackend, lookups: list[SubscriberLookup]) -> None:
        self.inner = inner
        self.lookups = lookups
        self.writes: list[tuple[int, int]] = []
        self.crash_on: int | None = None

    def add(self, users: Sequence[str], item: StreamItem) -> None:
        raise AssertionError("the consumer adds in batches")

    def add_many(self, additions: Sequence[Addition], mark: BatchMark | None = None) -> None:
        assert mark is not None, "the consumer marks its batches"
        self.writes.append((sum(len(a.users) for a in additions), self.lookups[-1].pages_read))
        if len(self.writes) == self.crash_on:
            self.inner.add_many(additions[: len(additions) // 2], mark)
            raise ConnectionError("injected: the function died mid fan-out")
        self.inner.add_many(additions, mark)

    def count(self, user: str) -> int:
        return self.inner.count(user)

    def read(self, user: str, window: Any) -> list[StreamItem]:
        return self.inner.read(user, window)


@pytest.mark.slow
def test_ten_thousand_subscribers_each_get_one_item_through_the_real_feeds(
    full_stage: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    subscribers = 10_000
    users = [f"user-{n:05d}" for n in range(subscribers)]
    subscribe(full_stage, [(u, "big") for u in users] + [("user-00042", "small")])
    default = Feeds.from_settings(full_stage)  # what the Lambda uses: the `fanout` backend
    assert isinstance(default.backend, FanoutBackend)
    lookups: list[SubscriberLookup] = []
    backend = Observed(default.backend, lookups)
    consumer = Consumer.from_settings(full_stage, feeds=Feeds(backend))

    def new_lookup() -> SubscriberLookup:
        lookups.append(SubscriberLookup(consumer.store.client, *_index(full_stage)))
        return lookups[-1]

    consumer.new_lookup = new_lookup
    line = Lines().line(["big", "small"])
    event = kinesis_event([record([line])])
    backend.crash_on = 1  # 2,500 items written, then the function dies
    runtime.install(consumer)
    try:
        assert invoke(event)["batchItemFailures"]
        first_try = len(backend.writes)
        assert invoke(event) == {"batchItemFailures": []}  # Lambda retries the record
        redone = len(backend.writes)
        assert invoke(event) == {"batchItemFailures": []}  # and delivers it once more
    finally:
        runtime.install(None)

    # Streamed: batches of at most BATCH_ROWS. The first is written after the prefetch
    # (which stops reading "big" past the cache limit and caches "small") and the pages
    # of "big" that fill it: before the term's 10 pages are all read.
    assert first_try == 1 and redone - first_try == subscribers // BATCH_ROWS
    assert all(size <= BATCH_ROWS for size, _ in backend.writes)
    prefetched = (CACHE_LIMIT // PAGE_SIZE + 1) + 1
    assert backend.writes[first_try][1] < prefetched + subscribers // PAGE_SIZE
    assert lookups[1].pages_read >= subscribers // 1000
    assert len(backend.writes) == redone  # the redelivery wrote nothing
    # Every subscriber holds exactly one item, the tweet's, counted once despite the rewrite.
    expected_id = f"tweet:{tweet_id(line)}"
    [sample] = feed(consumer.fanout.feeds, "user-00042")
    assert sample.id == expected_id
    assert f"/status/{tweet_id(line)}" in cards.render(sample.id, sample.content)
    rows, counters = _feed_tables(default.backend)
    assert sorted(rows) == users
    assert all(found == [(expected_id, sample.content)] for found in rows.values())
    assert counters == dict.fromkeys(users, 1)
    # The metric counts each item once: not the 1,250 written before the crash again.
    written = [doc[names.FEED_ITEMS_WRITTEN] for doc in emf_counts(capsys.readouterr().out)]
    assert written == [0, subscribers, 0]


def _feed_tables(backend: FanoutBackend) -> tuple[dict[str, list[tuple[str, str]]], dict[str, int]]:
    """Every row of the feeds table by user, and every item counter, read from the tables."""
    client = backend.client
    rows: dict[str, list[tuple[str, str]]] = {}
    for page in client.get_paginator("scan").paginate(TableName=backend.rows_table):
        for row in page["Items"]:
            item = (row["sk"]["S"].split("#", 1)[1], row["content"]["S"])
            rows.setdefault(row["user_id"]["S"], []).append(item)
    counters: dict[str, int] = {}
    table = str(backend.models.feed_counters.Meta.table_name)
    for page in client.get_paginator("scan").paginate(TableName=table):
        for row in page["Items"]:
            user = row["user_id"]["S"]  # the sum of the user's counter rows
            counters[user] = counters.get(user, 0) + int(row["item_count"]["N"])
    return rows, counters


def _index(settings: Settings) -> tuple[str, str]:
    spec = resources.SUBSCRIPTIONS
    return settings.table_name(spec.logical), spec.indexes[0].name


def test_item_time_is_the_tweets_time(consumer: Consumer) -> None:
    subscribe(consumer.settings, [("alice", "alpha")])
    line = orjson.loads(Lines().line(["alpha"]))
    line["data"]["created_at"] = "2021-03-04T05:06:07.089Z"
    invoke(kinesis_event([record([orjson.dumps(line)])]))
    [item] = feed(consumer.fanout.feeds, "alice")
    assert item.created_at == datetime(2021, 3, 4, 5, 6, 7, 89_000, tzinfo=UTC)
