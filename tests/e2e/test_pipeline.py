"""The whole chain, end to end: API term -> X rule -> tweets -> DynamoDB -> feeds -> API.

One run of the demo's composition on free ports proves, through the same
interfaces a user and an operator use:

* a term added (and enabled) through the API becomes a rule on X, tagged with the term id;
* every tweet fake X sent (its ledger) is stored in DynamoDB, and nothing else is;
* each subscriber's feed, read page by page through the API, holds exactly the
  tweets of their terms, newest first, once each, with the tweet's text, author and link;
* GET /status says connected while streaming;
* stopping leaves none of the processes it started.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import Any

import psutil
import pytest

from chalicelib.feeds import load_backend
from tests.e2e.support import Api, StoredTweet, stored_tweets
from tools.composition import Composition, wait_until
from tools.fakex import LedgerEntry, Stall

pytestmark = pytest.mark.integration

PYTHON, SERVERLESS = "#python", "serverless"


def _subscribe(api: Api, admin: str, user: str, *term_ids: str) -> None:
    """The admin subscribes ``user``: users themselves cannot follow a disabled term."""
    for term_id in term_ids:
        status, body = api.call("PUT", f"/users/{user}/subscriptions/{term_id}", admin)
        assert status == 201, body


def _expected_content(tweet: StoredTweet) -> list[str]:
    """What a subscriber must see of the tweet X sent: its text, author and link."""
    data = tweet.line["data"]
    users = {u["id"]: u for u in tweet.line.get("includes", {}).get("users", [])}
    author = users[data["author_id"]]
    text = (data.get("note_tweet") or {}).get("text") or data["text"]
    return [
        escape(text).replace("\n", "<br>"),
        f"@{escape(author['username'])}",
        f"https://x.com/{author['username']}/status/{tweet.tweet_id}",
    ]


@pytest.mark.parametrize("system", ["fanout", "redis"], indirect=True)
def test_terms_become_rules_tweets_fill_feeds_and_nothing_is_left_behind(
    system: Composition,
) -> None:
    assert system.endpoints is not None and system.endpoints.api_url is not None
    api = Api(system.endpoints.api_url)
    admin = system.token("ops", admin=True)
    alice, bob, carol = (system.token(user) for user in ("alice", "bob", "carol"))

    # Terms through the API, disabled until everyone has subscribed: then every
    # tweet of a term has the same subscribers and the expected feeds are exact.
    term = {
        value: api.ok("POST", "/terms", admin, {"value": value, "enabled": False})["term_id"]
        for value in (PYTHON, SERVERLESS)
    }
    _subscribe(api, admin, "alice", term[PYTHON], term[SERVERLESS])
    _subscribe(api, admin, "bob", term[SERVERLESS])
    for term_id in term.values():
        api.ok("PATCH", f"/terms/{term_id}", admin, {"enabled": True})

    # Each term is now a rule on X, tagged with its id, and the API says so.
    def rules_in_force() -> dict[str, str] | None:
        rules = {r["tag"]: r["value"] for r in system.fakex.rules()}
        return rules if len(rules) == 2 else None

    rules = wait_until(rules_in_force, 30, "both terms to be X rules", watch=system.check)
    assert rules == {term[PYTHON]: PYTHON, term[SERVERLESS]: SERVERLESS}
    rule_ids = {r["tag"]: r["id"] for r in system.fakex.rules()}
    for term_id in term.values():
        shown = wait_until(lambda t=term_id: _active(api, admin, t), 30, "the term to be active")
        assert shown["x_rule_id"] == rule_ids[term_id]

    system.wait_for_state("connected", 30)
    status = api.ok("GET", "/status", admin)
    assert status["stream"]["state"] == "connected"

    # Let tweets flow, then freeze fake X (a stall sends nothing, not even
    # keep-alives) so its ledger is final while the pipeline drains.
    wait_until(lambda: True if len(system.fakex.ledger()) >= 80 else None, 30, "80 tweets sent")
    system.fakex.set_faults(Stall(after=0, seconds=25))
    wait_until(lambda: True if not system.fakex.faults() else None, 10, "the stall to begin")
    ledger = wait_until(_settled_ledger(system), 10, "the ledger to settle")
    sent = {entry.id for entry in ledger}
    assert len(sent) == len(ledger), "fake X sent a tweet twice without being asked to"
    assert {entry.kind for entry in ledger} == {"live"}

    # Every tweet sent is stored, and only those (a test stage holds only its own).
    def all_stored() -> dict[str, StoredTweet] | None:
        found = stored_tweets(system.settings)
        return found if sent <= set(found) else None

    stored = wait_until(all_stored, 30, "every sent tweet to be stored", watch=system.check)
    assert set(stored) == sent
    for tweet in stored.values():
        assert tweet.term_ids and tweet.term_ids <= set(term.values()), tweet
        assert {r["tag"] for r in tweet.line["matching_rules"]} == tweet.term_ids

    # Feeds through the API: exactly the subscribed terms' tweets, newest first, once each.
    expected = {
        "alice": {t for t, row in stored.items() if row.term_ids & set(term.values())},
        "bob": {t for t, row in stored.items() if term[SERVERLESS] in row.term_ids},
        "carol": set(),
    }
    assert expected["alice"] > expected["bob"] > set(), "each term should have had tweets"
    for user, token in (("alice", alice), ("bob", bob), ("carol", carol)):
        items = api.feed(token, page_size=25)
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)), f"{user}'s feed has duplicates"
        assert {i.removeprefix("tweet:") for i in ids} == expected[user], user
        times = [datetime.fromisoformat(item["created_at"]) for item in items]
        assert times == sorted(times, reverse=True), f"{user}'s feed is not newest first"
        for item in items:
            tweet = stored[item["id"].removeprefix("tweet:")]
            assert times[items.index(item)] == datetime.fromisoformat(tweet.created_at)
            for piece in _expected_content(tweet):
                assert piece in item["content"], (piece, item["content"])

    # The feeds are where the backend keeps them (the API read them from there).
    backend = load_backend(system.settings)
    assert type(backend).__name__.lower().startswith(system.config.feed_backend or "fanout")
    for user in ("alice", "bob"):
        assert backend.count(user) == len(expected[user])

    # Shutdown leaves nothing: every process the composition started, with its children.
    started = system.all_pids()
    assert len(started) >= 4
    system.stop()
    left = [pid for pid in started if psutil.pid_exists(pid) and not _zombie(pid)]
    assert left == []


def _active(api: Api, token: str, term_id: str) -> dict[str, Any] | None:
    shown: dict[str, Any] = api.ok("GET", f"/terms/{term_id}", token)
    return shown if shown["sync_state"] == "active" else None


def _settled_ledger(system: Composition) -> Callable[[], list[LedgerEntry] | None]:
    """A probe returning the ledger once two reads in a row agree."""
    previous: list[int] = [-1]

    def probe() -> list[LedgerEntry] | None:
        ledger = system.fakex.ledger()
        if len(ledger) == previous[0]:
            return ledger
        previous[0] = len(ledger)
        return None

    return probe


def _zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
