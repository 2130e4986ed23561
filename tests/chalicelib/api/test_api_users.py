"""Subscriptions and feeds: idempotent subscribe, paging, writes to many, broadcast."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.core.models import bind_models
from chalicelib.terms import term_id_for
from tests.chalicelib.api.conftest import Api, body_of


def _term(api: Api, value: str) -> str:
    return str(body_of(api.as_admin("POST", "/terms", body={"value": value}))["term_id"])


def test_subscribe_is_idempotent_and_registers_the_user(api: Api) -> None:
    term = _term(api, "#owls")
    first = api.as_user("alice", "PUT", f"/users/me/subscriptions/{term}")
    again = api.as_user("alice", "PUT", f"/users/alice/subscriptions/{term}")
    assert (first.status_code, again.status_code) == (201, 200)
    assert body_of(first)["value"] == "#owls"
    listed = body_of(api.as_user("alice", "GET", "/users/me/subscriptions"))["items"]
    assert [s["term_id"] for s in listed] == [term]
    users = [u.user_id for u in bind_models(api.settings).users.scan()]
    assert users == ["alice"]
    assert api.as_user("alice", "DELETE", f"/users/me/subscriptions/{term}").status_code == 204
    assert api.as_user("alice", "DELETE", f"/users/me/subscriptions/{term}").status_code == 404


def test_users_subscribe_by_rule_or_id_without_reading_the_terms(api: Api) -> None:
    python = _term(api, "#python lang:en")
    _term(api, "#secret-admin-only")
    spaced = {"value": " #python  lang:en"}
    by_rule = api.as_user("alice", "POST", "/users/me/subscriptions", body=spaced)
    assert by_rule.status_code == 201
    assert by_rule.headers["Location"] == f"/users/alice/subscriptions/{python}"
    shown = body_of(by_rule)
    assert (shown["term_id"], shown["value"], shown["enabled"]) == (python, "#python lang:en", True)
    again = api.as_user("alice", "POST", "/users/alice/subscriptions", body={"term_id": python})
    assert (again.status_code, body_of(again)["value"]) == (200, "#python lang:en")
    listed = body_of(api.as_user("alice", "GET", "/users/me/subscriptions"))["items"]
    assert [(s["term_id"], s["value"]) for s in listed] == [(python, "#python lang:en")]
    assert "#secret-admin-only" not in json.dumps(listed)
    unknown = api.as_user("alice", "POST", "/users/me/subscriptions", body={"value": "#nope"})
    assert (unknown.status_code, body_of(unknown)["error"]) == (404, "term_not_found")
    assert "'#nope'" in body_of(unknown)["message"]
    for bad in ({}, {"value": "#python lang:en", "term_id": python}, {"term_id": "x"}):
        response = api.as_user("alice", "POST", "/users/me/subscriptions", body=bad)
        assert (response.status_code, body_of(response)["error"]) == (400, "validation_error")
    other = api.as_user("bob", "POST", "/users/alice/subscriptions", body={"term_id": python})
    assert other.status_code == 403


def test_subscribing_to_an_unknown_term_is_404(api: Api) -> None:
    response = api.as_user("alice", "PUT", f"/users/me/subscriptions/{term_id_for('ghost')}")
    assert (response.status_code, body_of(response)["error"]) == (404, "term_not_found")


def test_admin_manages_anyones_subscriptions(api: Api) -> None:
    term = _term(api, "#herons")
    assert api.as_admin("PUT", f"/users/carol/subscriptions/{term}").status_code == 201
    listed = body_of(api.as_user("carol", "GET", "/users/me/subscriptions"))["items"]
    assert [s["user_id"] for s in listed] == ["carol"]


def test_feed_pages_newest_first_with_an_opaque_cursor(api: Api) -> None:
    for n in range(5):
        stamp = f"2024-05-01T12:00:0{n}+02:00"
        response = api.as_admin(
            "POST", "/users/alice/feed", body={"content": f"item {n}", "created_at": stamp}
        )
        assert response.status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = body_of(api.as_user("alice", "GET", f"/users/me/feed?{query}"))
        seen += [item["content"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"item {n}" for n in (4, 3, 2, 1, 0)]
    first = body_of(api.as_user("alice", "GET", "/users/me/feed?limit=1"))["items"][0]
    assert first["created_at"] == "2024-05-01T10:00:04Z"


def test_feed_limits_and_cursors_are_checked(api: Api) -> None:
    for query in ("limit=0", "limit=101", "limit=abc", "cursor=%21%21", "other=1"):
        response = api.as_user("alice", "GET", f"/users/me/feed?{query}")
        assert response.status_code == 400, query
    api.as_admin("POST", "/users/bob/feed", body={"content": "1"})
    api.as_admin("POST", "/users/bob/feed", body={"content": "2"})
    cursor = body_of(api.as_user("bob", "GET", "/users/me/feed?limit=1"))["next_cursor"]
    stolen = api.as_user("alice", "GET", f"/users/me/feed?cursor={cursor}")
    assert (stolen.status_code, body_of(stolen)["error"]) == (400, "invalid_cursor")


def test_items_to_many_users_and_broadcast(api: Api) -> None:
    term = _term(api, "#gulls")
    api.as_user("dave", "PUT", f"/users/me/subscriptions/{term}")
    many = api.as_admin(
        "POST", "/feed-items", body={"user_ids": ["alice", "bob", "alice"], "content": "to two"}
    )
    assert (many.status_code, body_of(many)["recipients"]) == (201, 2)
    sent = api.as_admin("POST", "/broadcasts", body={"content": "to all", "job_id": "job-1"})
    assert sent.status_code == 201
    assert body_of(sent)["recipients"] == 3  # alice, bob (fed), dave (subscribed)
    for user in ("alice", "bob", "dave"):
        items = body_of(api.as_user(user, "GET", "/users/me/feed"))["items"]
        assert items[0]["content"] == "to all"
        assert items[0]["id"] == body_of(sent)["item_id"]
    repeat = api.as_admin("POST", "/broadcasts", body={"content": "to all", "job_id": "job-1"})
    assert body_of(repeat)["item_id"] == body_of(sent)["item_id"]
    conflict = api.as_admin("POST", "/broadcasts", body={"content": "other", "job_id": "job-1"})
    assert conflict.status_code == 409


def test_feed_writes_are_validated(api: Api) -> None:
    cases: list[tuple[dict[str, Any], int]] = [
        ({"content": ""}, 400),
        ({"content": "x", "created_at": "2024-05-01T12:00:00"}, 400),  # no zone
        ({"content": "é" * 9000}, 413),  # 18 KB of UTF-8 > 16 KB
        ({"content": "x" * 17000}, 400),
    ]
    for body, status in cases:
        assert api.as_admin("POST", "/users/alice/feed", body=body).status_code == status
    too_many = {"user_ids": [f"u{n}" for n in range(501)], "content": "x"}
    assert api.as_admin("POST", "/feed-items", body=too_many).status_code == 400
    huge = api.as_admin("POST", "/broadcasts", raw=b'{"content": "' + b"x" * 70000 + b'"}')
    assert (huge.status_code, body_of(huge)["error"]) == (413, "body_too_large")
