"""A stock tweepy 4.17 StreamingClient, with only its host redirected, against the fake."""

from __future__ import annotations

import re
import threading
from typing import Any

import tweepy

from streamer.redirect import redirect_client
from tests.tools.fakex.support import wait_for
from tools.fakex import Drop, FakeX, OperationalDisconnect


class Collector(tweepy.StreamingClient):
    """Records what tweepy hands to its callbacks; stops after ``want`` tweets."""

    def __init__(self, token: str, want: int) -> None:
        super().__init__(token, wait_on_rate_limit=False)
        self.want = want
        self.responses: list[Any] = []
        self.errors: list[Any] = []
        self.connects = 0
        self.connection_errors = 0
        self.statuses: list[int] = []
        self.done = threading.Event()

    def on_connect(self) -> None:
        self.connects += 1

    def on_response(self, response: Any) -> None:
        if response.data is not None:
            self.responses.append(response)
        if len(self.responses) >= self.want:
            self.disconnect()
            self.done.set()

    def on_errors(self, errors: Any) -> None:
        self.errors.append(errors)

    def on_connection_error(self) -> None:
        self.connection_errors += 1

    def on_request_error(self, status_code: int) -> None:
        self.statuses.append(status_code)
        self.disconnect()
        self.done.set()


def run(fake: FakeX, want: int, **params: Any) -> Collector:
    client = redirect_client(Collector(fake.bearer_token, want), fake.url)
    thread = client.filter(threaded=True, **params)
    assert client.done.wait(15), "tweepy did not get its tweets in time"
    thread.join(5)
    assert not thread.is_alive()
    return client


def test_tweepy_receives_tweets_with_matching_rules_and_includes(fake: FakeX) -> None:
    cat, python, nasa = fake.add_rules(("cat", "cats"), ("#python", "py"), "from:NASA")
    client = run(
        fake,
        40,
        tweet_fields=["created_at", "entities", "lang", "referenced_tweets", "note_tweet"],
        expansions=["author_id", "referenced_tweets.id"],
        user_fields=["created_at"],
    )
    by_id = {cat["id"]: "cats", python["id"]: "py", nasa["id"]: ""}
    tags = set()
    for response in client.responses:
        tweet = response.data
        assert isinstance(tweet, tweepy.Tweet)
        assert tweet.created_at is not None and tweet.lang
        assert response.matching_rules
        text, hashtags = tweet.data.get("note_tweet", tweet.data)["text"], tweet.entities or {}
        for ref in tweet.referenced_tweets or ():
            if ref.type == "retweeted":
                (original,) = [t for t in response.includes["tweets"] if t.id == ref.id]
                text = original.data.get("note_tweet", original.data)["text"]
                hashtags = original.entities or {}
        author = response.includes["users"][0]
        assert isinstance(author, tweepy.User) and author.id == tweet.author_id
        for rule in response.matching_rules:
            assert rule.tag == by_id[rule.id]  # tag always present, "" when the rule has none
            tags.add(rule.tag)
            if rule.tag == "cats":
                assert re.search(r"(?<!\w)cat(?!\w)", text, re.IGNORECASE)
            if rule.tag == "py":
                assert "python" in {h["tag"].casefold() for h in hashtags.get("hashtags", ())}
            if rule.tag == "":
                assert author.username == "NASA"
    assert tags == {"cats", "py", ""}
    assert client.connects == 1
    received = [str(response.data.id) for response in client.responses]
    wait_for(lambda: len(fake.ledger()) >= len(received))  # recorded just after the write
    ledger_ids = [entry.id for entry in fake.ledger()]
    assert ledger_ids[: len(received)] == received


def test_tweepy_reconnects_after_an_operational_disconnect(fake: FakeX) -> None:
    fake.add_rules("cat")
    fake.set_faults(OperationalDisconnect(after=3, disconnect_type="ForceDisconnect"))
    client = run(fake, 8)
    assert client.connects == 2  # tweepy reconnects at once after a clean close
    assert client.errors[0][0]["disconnect_type"] == "ForceDisconnect"
    received = [str(response.data.id) for response in client.responses]
    wait_for(lambda: len(fake.ledger()) >= len(received))
    ledger = fake.ledger()
    assert {entry.connection for entry in ledger} == {1, 2}
    assert [entry.id for entry in ledger][: len(received)] == received
    assert len(set(received)) == len(received)


def test_tweepy_sees_a_dropped_connection_as_a_network_error(fake: FakeX) -> None:
    fake.add_rules("cat")
    fake.set_faults(Drop(after=2))
    client = run(fake, 5)
    assert client.connection_errors == 1
    assert client.connects == 2


def test_tweepy_gets_409_without_rules(fake: FakeX) -> None:
    client = run(fake, 1)
    assert client.statuses == [409]
    wait_for(lambda: fake.state()["connect_attempts"] == 1)
