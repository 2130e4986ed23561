"""The streams over raw HTTP: wire format, auth, 409/429, fields, rules, ledger."""

from __future__ import annotations

import re
import socket
import time
from typing import Any

import orjson
import pytest
import requests

from tests.tools.fakex.support import Stream, auth, wait_for
from tools.fakex import FakeX
from tools.fakex.matcher import tokenize

PROBLEMS = "https://api.twitter.com/2/problems/"


def test_wire_format_is_chunked_ndjson_with_crlf_keepalives() -> None:
    with FakeX(rate=0, keepalive=0.05) as fake:
        fake.add_rules("cat")
        host, port = fake.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(
                b"GET /2/tweets/search/stream HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer " + fake.bearer_token.encode() + b"\r\n\r\n"
            )
            received = b""
            while received.count(b"2\r\n\r\n\r\n") < 3:
                received += sock.recv(4096)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nTransfer-Encoding: chunked" in head
    assert b"\r\nContent-Type: application/json; charset=utf-8" in head
    # Nothing but keep-alive chunks: size 2, payload CRLF.
    assert set(re.findall(rb"[0-9A-F]+\r\n", body)) == {b"2\r\n"}


def test_stream_needs_the_bearer_token(fake: FakeX) -> None:
    fake.add_rules("cat")
    response = requests.get(
        fake.url + "/2/tweets/search/stream", headers={"Authorization": "Bearer no"}, timeout=5
    )
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"


def test_no_rules_is_409_rule_configuration_issue(fake: FakeX) -> None:
    response = requests.get(fake.url + "/2/tweets/search/stream", headers=auth(fake), timeout=5)
    assert response.status_code == 409
    assert response.json() == {
        "title": "ConnectionException",
        "detail": "This stream has no rules. Add at least one rule before connecting.",
        "connection_issue": "RuleConfigurationIssue",
        "type": PROBLEMS + "streaming-connection",
    }


def test_a_second_connection_is_429_too_many_connections(fake: FakeX) -> None:
    fake.add_rules("cat")
    with Stream(fake) as first:
        first.objects(1)
        second = requests.get(fake.url + "/2/tweets/search/stream", headers=auth(fake), timeout=5)
        assert second.status_code == 429
        assert second.json() == {
            "title": "ConnectionException",
            "detail": "This stream is currently at the maximum allowed connection limit.",
            "connection_issue": "TooManyConnections",
            "type": PROBLEMS + "streaming-connection",
        }
        assert second.headers["x-rate-limit-limit"] == "50"
        assert int(second.headers["x-rate-limit-remaining"]) < 50
        assert int(second.headers["x-rate-limit-reset"]) % 900 == 0
        with Stream(fake, path="/2/tweets/sample/stream") as sample:  # its own connection
            assert sample.objects(1)
    # The server notices the close at once, so reconnecting works.
    wait_for(lambda: fake.state()["open"] == {"filtered": False, "sample": False})
    with Stream(fake) as again:
        assert again.objects(1)


def test_matching_rules_name_the_rules_each_tweet_matches(fake: FakeX) -> None:
    cat, dog = fake.add_rules(("cat", "cats"), "dog")
    params = {"tweet.fields": "note_tweet,referenced_tweets", "expansions": "referenced_tweets.id"}
    with Stream(fake, params=params) as stream:
        lines = stream.objects(60)
    seen = set()
    for line in lines:
        rules = {(rule["id"], rule["tag"]) for rule in line["matching_rules"]}
        assert rules, line
        tokens = set(tokenize(full_text(line)))
        assert ((cat["id"], "cats") in rules) == ("cat" in tokens)
        assert ((dog["id"], "") in rules) == ("dog" in tokens)  # untagged: tag ""
        seen |= rules
    assert seen == {(cat["id"], "cats"), (dog["id"], "")}


def full_text(line: dict[str, Any]) -> str:
    """What rules match on: the note text of long tweets, the original of a retweet."""
    tweet = line["data"]
    for ref in tweet.get("referenced_tweets", ()):
        if ref["type"] == "retweeted":
            (tweet,) = [t for t in line["includes"]["tweets"] if t["id"] == ref["id"]]
    return str(tweet.get("note_tweet", tweet)["text"])


def test_default_fields_only_unless_asked(fake: FakeX) -> None:
    fake.add_rules("cat")
    with Stream(fake) as stream:
        plain = stream.objects(5)
    assert all(set(line) == {"data", "matching_rules"} for line in plain)
    assert all(set(line["data"]) == {"id", "text", "edit_history_tweet_ids"} for line in plain)
    params = {"tweet.fields": "created_at,lang", "expansions": "author_id", "user.fields": "url"}
    with Stream(fake, params=params) as stream:
        rich = stream.objects(5)
    for line in rich:
        assert set(line["data"]) == {
            "id",
            "text",
            "edit_history_tweet_ids",
            "created_at",
            "lang",
            "author_id",
        }
        assert line["includes"]["users"][0]["id"] == line["data"]["author_id"]
        assert set(line["includes"]["users"][0]) <= {"id", "name", "username", "url"}


def test_bad_parameters_are_400(fake: FakeX) -> None:
    fake.add_rules("cat")
    for params in ({"tweet.fields": "colour"}, {"backfill_minutes": "6"}, {"since_id": "1"}):
        response = requests.get(
            fake.url + "/2/tweets/search/stream", params=params, headers=auth(fake), timeout=5
        )
        assert response.status_code == 400
        assert response.json()["title"] == "Invalid Request"
        assert list(response.json()["errors"][0]["parameters"]) == list(params)


def test_sample_stream_needs_no_rules_and_has_no_matching_rules(fake: FakeX) -> None:
    with Stream(fake, path="/2/tweets/sample/stream") as stream:
        lines = stream.objects(30)
    assert all(set(line) == {"data"} for line in lines)
    ids = [int(line["data"]["id"]) for line in lines]
    assert ids == sorted(ids)


def test_rule_changes_apply_mid_stream(fake: FakeX) -> None:
    (cat,) = fake.add_rules("cat")
    with Stream(fake) as stream:
        stream.objects(3)
        (dog,) = fake.add_rules("dog")
        requests.post(
            fake.url + "/2/tweets/search/stream/rules",
            json={"delete": {"ids": [cat["id"]]}},
            headers=auth(fake),
            timeout=5,
        )
        # Slots after the delete can only match "dog": a run of dog-only tweets must follow.
        run = read = 0
        while run < 15:
            rules = {rule["id"] for rule in stream.objects(1)[0]["matching_rules"]}
            run = run + 1 if rules == {dog["id"]} else 0
            read += 1
            assert read < 400, "cat kept matching after it was deleted"


def test_ledger_lists_every_tweet_sent_with_its_connection(fake: FakeX) -> None:
    fake.add_rules("cat")
    received = []
    for _ in range(2):
        with Stream(fake) as stream:
            received.append([line["data"]["id"] for line in stream.objects(7)])
        wait_for(lambda: not fake.state()["open"]["filtered"])
    ledger = fake.ledger()
    # The client may close with tweets in flight; the ledger holds at least what it read.
    by_connection = {
        1: [e.id for e in ledger if e.connection == 1],
        2: [e.id for e in ledger if e.connection == 2],
    }
    assert by_connection[1][:7] == received[0]
    assert by_connection[2][:7] == received[1]
    assert {(e.stream, e.kind) for e in ledger} == {("filtered", "live")}
    assert all(e.at > 0 for e in ledger)
    assert len(set(by_connection[1]) & set(by_connection[2])) == 0  # no re-sends without backfill
    assert orjson.loads(requests.get(fake.url + "/_fake/ledger", timeout=5).content)[
        "count"
    ] == len(ledger)


def test_unknown_paths_are_404(fake: FakeX) -> None:
    response = requests.get(fake.url + "/2/tweets/search/nope", headers=auth(fake), timeout=5)
    assert response.status_code == 404


def test_the_rate_limit_window_can_be_shortened_for_tests() -> None:
    """A 429's reset is the end of the window, so a short window makes a short wait."""
    with FakeX(rate=10, rate_limit_window=30) as short:
        short.add_rules("cat")
        with Stream(short) as first:
            first.objects(1)
            second = requests.get(
                short.url + "/2/tweets/search/stream", headers=auth(short), timeout=5
            )
        assert second.status_code == 429
        reset = int(second.headers["x-rate-limit-reset"])
        assert reset % 30 == 0
        assert 0 < reset - time.time() <= 30
    with pytest.raises(ValueError, match="rate_limit_window"):
        FakeX(rate_limit_window=0)
