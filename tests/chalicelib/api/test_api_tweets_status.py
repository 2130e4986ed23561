"""Tweets (timelines, one tweet with its payload) and the stream status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.core.models import bind_models
from chalicelib.status import TermSync, build_report
from tests.chalicelib.api.conftest import Api, body_of
from tests.chalicelib.api.support import store_tweet

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_term_timeline_newest_first_with_cursor(api: Api) -> None:
    term = body_of(api.as_admin("POST", "/terms", body={"value": "#kites"}))["term_id"]
    other = body_of(api.as_admin("POST", "/terms", body={"value": "#boats"}))["term_id"]
    for n in range(5):
        store_tweet(api.settings, str(100 + n), term, NOW + timedelta(seconds=n), f"kite {n}")
    store_tweet(api.settings, "999", other, NOW, "a boat")
    for term_id in (term, other):  # a user reads the timelines of the terms they follow
        api.as_user("alice", "PUT", f"/users/me/subscriptions/{term_id}")
    ids: list[str] = []
    cursor = None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = body_of(api.as_user("alice", "GET", f"/terms/{term}/tweets?{query}"))
        ids += [t["id"] for t in page["items"]]
        assert all("payload" not in t or t["payload"] is None for t in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids == ["104", "103", "102", "101", "100"]
    first = body_of(api.as_user("alice", "GET", f"/terms/{term}/tweets?limit=1"))
    foreign = api.as_user("alice", "GET", f"/terms/{other}/tweets?cursor={first['next_cursor']}")
    assert foreign.status_code == 400


def test_one_tweet_with_and_without_its_payload(api: Api) -> None:
    term = body_of(api.as_admin("POST", "/terms", body={"value": "#kites"}))["term_id"]
    store_tweet(api.settings, "123", term, NOW, "hello")
    api.as_user("alice", "PUT", f"/users/me/subscriptions/{term}")
    plain = body_of(api.as_user("alice", "GET", "/tweets/123"))
    assert (plain["text"], plain["term_ids"], plain["payload"]) == ("hello", [term], None)
    assert plain["created_at"] == "2024-05-01T12:00:00Z"
    full = body_of(api.as_user("alice", "GET", "/tweets/123?include=payload"))
    rules = [{"id": f"rule-{term}", "tag": term}]
    assert full["payload"] == {"data": {"id": "123", "text": "hello"}, "matching_rules": rules}
    assert api.as_user("alice", "GET", "/tweets/124").status_code == 404
    assert api.as_user("alice", "GET", "/tweets/123?include=all").status_code == 400


def _status(data: dict[str, object] | None, at: datetime, interval: float = 10.0) -> dict:
    terms = [
        TermSync("t1", "#a", True, "active", None),
        TermSync("t2", "#b", True, "rejected", "bad rule"),
        TermSync("t3", "#c", False, "pending", None),
    ]
    return build_report(data, terms, at, interval)


def test_status_trusts_a_fresh_heartbeat_only() -> None:
    fresh = {"state": "connected", "heartbeat_at": "2024-05-01T11:59:45Z", "poll_interval": 10,
             "received": 10, "host": "ip-10-0-0-1"}  # fmt: skip
    report = _status(fresh, NOW)
    assert (report["stream"]["state"], report["stream"]["stale"]) == ("connected", False)
    assert report["stream"]["received"] == 10
    assert report["terms"]["by_sync_state"] == {"pending": 1, "active": 1, "rejected": 1}
    assert report["terms"]["rejected"] == [
        {"term_id": "t2", "value": "#b", "sync_error": "bad rule"}
    ]
    late = _status({**fresh, "heartbeat_at": "2024-05-01T11:59:29Z"}, NOW)
    assert (late["stream"]["state"], late["stream"]["reported_state"]) == ("down", "connected")
    assert _status(None, NOW)["stream"]["state"] == "down"
    assert _status(None, NOW)["stream"]["heartbeat_at"] is None
    odd = _status({**fresh, "state": "dancing", "received": "lots"}, NOW)
    assert (odd["stream"]["state"], odd["stream"]["received"]) == ("down", None)


def test_status_route_reads_the_streamers_record(api: Api) -> None:
    now = datetime.now(UTC)
    bind_models(api.settings).control(
        "streamer",
        "status",
        data={"state": "waiting-for-terms", "heartbeat_at": now.isoformat(), "poll_interval": 10},
        updated_at=now,
    ).save()
    body = body_of(api.as_admin("GET", "/status"))
    assert body["stream"]["state"] == "waiting-for-terms"
    assert body["terms"]["total"] == 0
