"""Hot terms end to end on the local cloud: consumer, subscriptions and merged reads.

A hot term's tweets go once into the term's own feed and reach subscribers
when they read. Turning hot or cold while tweets flow must lose nothing and
double nothing: every subscriber's feed is exactly the tweets matched since
they subscribed, each once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from chalicelib import subscriptions, terms
from chalicelib.consumer import runtime
from chalicelib.consumer.service import Consumer
from chalicelib.consumer.subscribers import SubscriberLookup
from chalicelib.core.settings import Settings
from chalicelib.core.times import format_time
from chalicelib.feeds import Feeds
from chalicelib.hotterms import hot_pulls, term_feed, term_spans
from tests.chalicelib.api.conftest import body_of
from tests.chalicelib.api.support import api_on
from tests.chalicelib.consumer.conftest import invoke
from tests.chalicelib.consumer.support import Lines, kinesis_event, record, tweet_id

FIRST = 49_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000


class Stream:
    """Lines matching ``term`` made now, sent as events with growing sequence numbers."""

    def __init__(self, term_id: str) -> None:
        self.term_id = term_id
        self.lines = Lines(seed=11)
        self.sequence = FIRST

    def make(self, n: int) -> list[bytes]:
        made = []
        for _ in range(n):
            line = orjson.loads(self.lines.line([self.term_id]))
            line["data"]["created_at"] = format_time(datetime.now(UTC))[:-4] + "Z"
            made.append(orjson.dumps(line))
        return made

    def send(self, lines: list[bytes]) -> list[str]:
        event = kinesis_event([record(lines)], first_sequence=self.sequence)
        self.sequence += 10
        assert invoke(event) == {"batchItemFailures": []}
        return [tweet_id(line) for line in lines]


@pytest.fixture(params=["fanout", "redis"])
def stage(full_stage: Settings, request: pytest.FixtureRequest) -> Settings:
    """A stage where 6 subscribers make a term hot, on each feed backend the consumer writes."""
    changes = {"hot_term_subscribers": 6, "hot_term_lead_seconds": 0.0}
    return full_stage.model_copy(update={**changes, "feed_backend": request.param})


@pytest.fixture
def consumer(stage: Settings) -> Iterator[Consumer]:
    built = Consumer.from_settings(stage)
    runtime.install(built)
    try:
        yield built
    finally:
        runtime.install(None)


@pytest.fixture
def reader(stage: Settings) -> Feeds:
    """What the API reads with (``api.runtime`` wires the same)."""
    return Feeds.from_settings(stage, pulls=hot_pulls(stage))


def new_term(settings: Settings, value: str) -> str:
    return terms.create_term(settings, value, lambda: (None, "test")).term.term_id


def sub(settings: Settings, feeds: Feeds, user: str, term_id: str) -> None:
    subscriptions.subscribe(settings, user, term_id, feeds.register_users, feeds.own_count)


def ids(items: Any) -> list[str]:
    return [item.id for item in items]


def test_a_hot_terms_tweet_is_stored_once_and_every_subscriber_reads_it(
    stage: Settings, consumer: Consumer, reader: Feeds
) -> None:
    term = new_term(stage, "#hotpython")
    users = [f"fan-{n}" for n in range(8)]
    for user in users:
        sub(stage, reader, user, term)
    lookups: list[SubscriberLookup] = []
    make_lookup = consumer.new_lookup
    consumer.new_lookup = lambda: lookups.append(make_lookup()) or lookups[-1]  # type: ignore[func-returns-value]
    stream = Stream(term)
    sent = stream.send(stream.make(5))
    expected = [f"tweet:{t}" for t in reversed(sent)]
    # Written once, into the term's own feed; no subscriber was read or written.
    assert ids(reader.get_stream_items(term_feed(term))) == expected
    assert lookups and all(lookup.pages_read == 0 for lookup in lookups)
    for user in users:
        assert reader.own_count(user) == 0
        assert ids(reader.get_stream_items(user)) == expected
        assert len(reader.get_stream_items(user)) == 5
        page = reader.page(user, 3)
        assert ids(page.items) + ids(reader.page(user, 3, page.next_cursor).items) == expected
    assert ids(reader.get_stream_items("stranger")) == []
    spans = term_spans(stage).spans([term])[term]
    assert len(spans) == 1 and spans[0].end is None


def test_turning_hot_and_cold_while_tweets_flow_loses_and_doubles_nothing(
    stage: Settings, consumer: Consumer, reader: Feeds
) -> None:
    term = new_term(stage, "#flapping")
    stream = Stream(term)
    watched = ["w0", "w1"]
    expected: dict[str, list[str]] = {w: [] for w in watched}
    subscribed: set[str] = set()

    def flow(n: int = 4, lines: list[bytes] | None = None) -> None:
        sent = stream.send(lines if lines is not None else stream.make(n))
        for user in watched:
            if user in subscribed:
                expected[user] += [f"tweet:{t}" for t in sent]

    def join(*users: str) -> None:
        for user in users:
            sub(stage, reader, user, term)
            subscribed.add(user)

    def leave(*users: str) -> None:
        for user in users:
            subscriptions.unsubscribe(stage, user, term)
            subscribed.discard(user)

    fillers = [f"f{n}" for n in range(6)]
    join("w0")
    flow()  # cold: pushed
    join(*fillers[:5])  # 6 subscribers: hot
    flow()
    join("w1")
    flow()
    early = stream.make(3)  # made while hot, processed after it cools: still pulled
    leave(*fillers[:4])  # 3 left: not below half of 6, still hot
    flow()
    leave(fillers[4])  # 2 left: cold
    flow(lines=early)
    flow()
    made_cold = stream.make(3)  # made while cold, processed once hot again: still pushed
    join(*fillers)  # 8: hot again
    flow(lines=made_cold)
    flow()
    flow(lines=made_cold)  # a redelivered record: nothing doubles
    spans = term_spans(stage).spans([term])[term]
    assert len(spans) == 2 and spans[0].end is not None and spans[1].end is None

    for user in watched:
        want = sorted(dict.fromkeys(expected[user]), key=_newest_first)
        got = ids(reader.get_stream_items(user))
        assert got == want, user
        assert len(reader.get_stream_items(user)) == len(want)
        paged: list[str] = []
        cursor = None
        while True:
            page = reader.page(user, 4, cursor)
            paged += ids(page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert paged == want
    # Some came pushed, some pulled: both paths were exercised.
    assert 0 < reader.own_count("w0") < len(expected["w0"])


def _newest_first(item_id: str) -> int:
    return -int(item_id.split(":")[1])  # ids grow with time in these streams


def test_the_api_shows_heat_and_serves_merged_feeds(full_stage: Settings) -> None:
    settings = full_stage.model_copy(
        update={"hot_term_subscribers": 4, "hot_term_lead_seconds": 0.0}
    )

    def listed(api: Any, term_id: str) -> tuple[int, bool]:
        [term] = [
            t for t in body_of(api.as_admin("GET", "/terms"))["items"] if t["term_id"] == term_id
        ]
        return term["subscribers"], term["hot"]

    with api_on(settings) as api:
        term = body_of(api.as_admin("POST", "/terms", body={"value": "#viaapi"}))["term_id"]
        fans = [f"fan{n}" for n in range(4)]
        for fan in fans[:3]:
            api.as_admin("PUT", f"/users/{fan}/subscriptions/{term}")
        assert listed(api, term) == (3, False)
        api.as_admin("PUT", f"/users/{fans[3]}/subscriptions/{term}")
        assert listed(api, term) == (4, True)
        consumer = Consumer.from_settings(settings)
        runtime.install(consumer)
        try:
            [sent] = Stream(term).send(Stream(term).make(1))
        finally:
            runtime.install(None)
        page = body_of(api.as_user("fan0", "GET", "/users/fan0/feed"))
        [item] = page["items"]
        assert item["id"] == f"tweet:{sent}"
        assert item["content"].startswith(f'<article class="tweet" data-tweet-id="{sent}">')
        for fan in fans[:3]:
            api.as_admin("DELETE", f"/users/{fan}/subscriptions/{term}")
        assert listed(api, term) == (1, False)  # below half of 4: cold
        assert [
            i["id"] for i in body_of(api.as_user("fan3", "GET", "/users/fan3/feed"))["items"]
        ] == [f"tweet:{sent}"]
        assert body_of(api.as_user("fan0", "GET", "/users/fan0/feed"))["items"] == []
