"""Hot terms end to end: fake X -> streamer -> consumer -> DynamoDB -> API, with one term hot.

Both terms have enough subscribers to be hot, so their tweets are written
once, into each term's own feed, and reach subscribers when they read. Through
the API over HTTP, every subscriber's feed holds exactly the tweets of their
terms, newest first, once each; alice follows both, so a tweet matching both
reaches her through two feeds and must show once. (Switching while tweets flow
is ``tests/chalicelib/hotterms``.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from chalicelib.core.settings import env_name
from chalicelib.feeds import Feeds
from chalicelib.hotterms import term_feed
from tests.conftest import unique_prefix
from tests.e2e.conftest import fast_config
from tests.e2e.support import Api, stored_tweets
from tests.e2e.test_pipeline import PYTHON, SERVERLESS, _settled_ledger, _subscribe
from tools.composition import Composition, wait_until
from tools.fakex import Stall
from tools.localcloud import LocalCloud

pytestmark = pytest.mark.integration

HOT_AT = 2


@pytest.fixture
def hot_system(local_cloud: LocalCloud, tmp_path: Path) -> Iterator[Composition]:
    settings = local_cloud.settings(name_prefix=unique_prefix()).model_copy(
        update={"hot_term_subscribers": HOT_AT, "hot_term_lead_seconds": 1.0}
    )
    env = {env_name("hot_term_subscribers"): str(HOT_AT), env_name("hot_term_lead_seconds"): "1"}
    composition = Composition(fast_config(tmp_path / "run", env=env), cloud=local_cloud,
                              settings=settings)  # fmt: skip
    composition.start()
    try:
        yield composition
    finally:
        composition.stop()


def test_every_subscriber_of_a_hot_term_reads_every_matched_tweet_once(
    hot_system: Composition,
) -> None:
    system = hot_system
    assert system.endpoints is not None and system.endpoints.api_url is not None
    api = Api(system.endpoints.api_url)
    admin = system.token("ops", admin=True)
    users = ("alice", "bob", "carol", "dave")
    tokens = {user: system.token(user) for user in users}
    term = {
        value: api.ok("POST", "/terms", admin, {"value": value, "enabled": False})["term_id"]
        for value in (PYTHON, SERVERLESS)
    }
    _subscribe(api, admin, "alice", term[PYTHON], term[SERVERLESS])
    _subscribe(api, admin, "bob", term[PYTHON])
    _subscribe(api, admin, "carol", term[SERVERLESS])
    shown = {t["term_id"]: t for t in api.ok("GET", "/terms", admin)["items"]}
    assert (shown[term[PYTHON]]["subscribers"], shown[term[PYTHON]]["hot"]) == (2, True)
    assert (shown[term[SERVERLESS]]["subscribers"], shown[term[SERVERLESS]]["hot"]) == (2, True)
    api.ok("DELETE", f"/users/me/subscriptions/{term[SERVERLESS]}", tokens["carol"])
    shown = {t["term_id"]: t for t in api.ok("GET", "/terms", admin)["items"]}
    assert (shown[term[SERVERLESS]]["subscribers"], shown[term[SERVERLESS]]["hot"]) == (1, True)
    _subscribe(api, admin, "carol", term[SERVERLESS])  # hysteresis: hot until below half
    for term_id in term.values():
        api.ok("PATCH", f"/terms/{term_id}", admin, {"enabled": True})

    system.wait_for_state("connected", 60)
    wait_until(lambda: True if len(system.fakex.ledger()) >= 80 else None, 60, "80 tweets sent")
    system.fakex.set_faults(Stall(after=0, seconds=25))
    wait_until(lambda: True if not system.fakex.faults() else None, 10, "the stall to begin")
    ledger = wait_until(_settled_ledger(system), 10, "the ledger to settle")
    sent = {entry.id for entry in ledger}

    def all_stored() -> dict[str, object] | None:
        found = stored_tweets(system.settings)
        return found if sent <= set(found) else None

    stored = wait_until(all_stored, 30, "every sent tweet to be stored", watch=system.check)
    wanted = {
        "alice": set(term.values()),
        "bob": {term[PYTHON]},
        "carol": {term[SERVERLESS]},
        "dave": set(),
    }
    for user, token in tokens.items():
        expected = {t for t, row in stored.items() if row.term_ids & wanted[user]}  # type: ignore[attr-defined]
        items = api.feed(token, page_size=7)
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)), f"{user}'s feed has duplicates"
        assert {i.removeprefix("tweet:") for i in ids} == expected, user
        times = [datetime.fromisoformat(item["created_at"]) for item in items]
        assert times == sorted(times, reverse=True), f"{user}'s feed is not newest first"
        assert all(item["content"].startswith("<article") for item in items)
        assert expected or user == "dave", f"{user}'s terms should have had tweets"
    # Pulled: the hot terms' tweets sit once in each term's own feed.
    feeds = Feeds.from_settings(system.settings)
    assert feeds.own_count(term_feed(term[PYTHON])) > 0
    assert feeds.own_count("bob") < len([t for t in stored if t])
