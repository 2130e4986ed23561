"""Every injected fault, as a client on the wire sees it."""

from __future__ import annotations

import itertools

import orjson
import pytest
import requests

from tests.tools.fakex.support import Stream, auth, wait_for
from tools.fakex import (
    ConnectError,
    Drop,
    Duplicate,
    FakeX,
    Malformed,
    OperationalDisconnect,
    Stall,
)
from tools.fakex.problems import DISCONNECT_TYPES
from tools.fakex.snowflake import snowflake_ms

PROBLEMS = "https://api.twitter.com/2/problems/"


@pytest.fixture
def cats(fake: FakeX) -> FakeX:
    fake.add_rules("cat")
    return fake


def test_drop_cuts_the_connection_after_n_tweets(cats: FakeX) -> None:
    cats.set_faults(Drop(after=3))
    with Stream(cats) as stream:
        got = stream.objects(3)
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            stream.next_line()
    ledger = cats.ledger()
    assert [entry.id for entry in ledger] == [line["data"]["id"] for line in got]
    assert cats.faults() == []  # fired once, gone


@pytest.mark.parametrize("disconnect_type", DISCONNECT_TYPES)
def test_operational_disconnect_sends_xs_error_then_ends_cleanly(
    cats: FakeX, disconnect_type: str
) -> None:
    cats.set_faults(OperationalDisconnect(after=2, disconnect_type=disconnect_type))
    with Stream(cats) as stream:
        tweets = stream.objects(2)
        (error,) = stream.objects(1)
        assert stream.next_line() is None  # a clean end of stream, not a broken read
    assert all("data" in tweet for tweet in tweets)
    assert error == {
        "errors": [
            {
                "title": "operational-disconnect",
                "disconnect_type": disconnect_type,
                "detail": error["errors"][0]["detail"],
                "type": PROBLEMS + "operational-disconnect",
            }
        ]
    }
    assert error["errors"][0]["detail"].startswith("This stream has been disconnected")


def test_next_connects_get_the_injected_statuses(cats: FakeX) -> None:
    cats.set_faults(ConnectError(status=429), ConnectError(status=503, count=2), ConnectError(500))
    url = cats.url + "/2/tweets/search/stream"
    statuses = []
    for _ in range(4):
        response = requests.get(url, headers=auth(cats), timeout=5)
        statuses.append(response.status_code)
        assert response.json()["status"] == response.status_code
        assert response.headers["x-rate-limit-limit"] == "50"
        if response.status_code == 429:
            assert response.headers["x-rate-limit-remaining"] == "0"
    assert statuses == [429, 503, 503, 500]
    with Stream(cats) as stream:  # the fifth connect works
        assert stream.objects(1)[0]["matching_rules"]


def test_stall_sends_nothing_not_even_keepalives(cats: FakeX) -> None:
    # Keep-alives come every 0.2 s and tweets every 5 ms, so only a stall starves the reader.
    cats.set_faults(Stall(after=2, seconds=3))
    with Stream(cats, read_timeout=0.6) as stream:
        stream.objects(2)
        with pytest.raises(requests.exceptions.ConnectionError, match="Read timed out"):
            stream.next_line()


def test_after_a_stall_the_tweets_due_meanwhile_follow(cats: FakeX) -> None:
    cats.set_faults(Stall(after=1, seconds=0.5))
    with Stream(cats) as stream:
        first, *after = stream.objects(100)
    times = [snowflake_ms(int(first["data"]["id"]))] + [
        snowflake_ms(int(line["data"]["id"])) for line in after
    ]
    # Nothing was skipped: 200 tweets/s means no gap over ~5 ms between slot times.
    assert max(b - a for a, b in itertools.pairwise(times)) < 100


def test_malformed_line_between_good_ones(cats: FakeX) -> None:
    cats.set_faults(Malformed(after=2))
    with Stream(cats) as stream:
        lines = [stream.next_line() for _ in range(4)]
    assert all(line is not None for line in lines)
    parsed = []
    for line in lines:
        try:
            parsed.append(orjson.loads(line or b""))
        except orjson.JSONDecodeError:
            parsed.append(None)
    assert [p is None for p in parsed] == [False, False, True, False]


def test_duplicate_delivers_the_next_tweet_twice(cats: FakeX) -> None:
    cats.set_faults(Duplicate(after=1))
    with Stream(cats) as stream:
        ids = [line["data"]["id"] for line in stream.objects(4)]
    assert ids[1] == ids[2]
    assert len(set(ids)) == 3
    wait_for(lambda: len(cats.ledger()) >= 4)  # a batch is recorded just after it is written
    kinds = [(entry.id, entry.kind) for entry in cats.ledger()[:4]]
    assert kinds == [(ids[0], "live"), (ids[1], "live"), (ids[1], "duplicate"), (ids[3], "live")]


def test_faults_are_listed_and_can_be_cleared(cats: FakeX) -> None:
    armed = cats.set_faults(Drop(after=5), ConnectError(503, 2))
    assert armed == [
        {"kind": "drop", "after": 5},
        {"kind": "connect_error", "status": 503, "count": 2},
    ]
    cats.set_faults()
    assert cats.faults() == []


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "explode"},
        {"kind": "drop", "after": -1},
        {"kind": "connect_error", "status": 200},
        {"kind": "stall", "seconds": 0},
        {"kind": "operational_disconnect", "disconnect_type": "Bored"},
        {"kind": "drop", "colour": "red"},
    ],
)
def test_bad_faults_are_refused(fake: FakeX, fault: dict[str, object]) -> None:
    response = requests.post(fake.url + "/_fake/faults", json={"faults": [fault]}, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"]
