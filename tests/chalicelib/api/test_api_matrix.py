"""The authorisation matrix: every route by anonymous, expired, bad signature,
other user, own user and admin, on one stage shared by the module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.api.openapi import document
from chalicelib.api.operations import OPERATIONS, Operation
from chalicelib.auth import mint_token, read_signing_key
from infra.streamfeed_infra.gatewayresponses import answer
from tests.chalicelib.api.conftest import Api, body_of
from tests.chalicelib.api.support import BODIES, api_on, new_stage, store_tweet
from tools.localcloud import LocalCloud

OWNER = "alice"
OTHER = "bob"
CALLERS = ("anonymous", "expired", "bad_signature", "other_user", "own_user", "admin")
GUARDED = [op for op in OPERATIONS if op.access != "public"]


@pytest.fixture(scope="module")
def world(local_cloud: LocalCloud) -> Iterator[tuple[Api, dict[str, str]]]:
    settings = new_stage(local_cloud)
    with api_on(settings) as api:
        term = body_of(api.as_admin("POST", "/terms", body={"value": "#matrix"}))["term_id"]
        api.as_admin("POST", "/keysets", body={"name": "main", "bearer_token": "AAAA-main-0000"})
        api.as_admin("PUT", f"/users/{OWNER}/subscriptions/{term}")
        api.as_admin("POST", f"/users/{OWNER}/feed", body={"content": "alice's item"})
        store_tweet(settings, "1001", term, datetime.now(UTC), "a tweet")
        values = {"term_id": term, "name": "main", "user_id": OWNER, "tweet_id": "1001"}
        yield api, values


def token_for(api: Api, caller: str) -> str | None:
    if caller == "anonymous":
        return None
    if caller == "expired":
        past = datetime.now(UTC) - timedelta(hours=2)
        return mint_token(api.settings, OWNER, ttl_seconds=60, now=past, key=api.key)
    if caller == "bad_signature":
        return mint_token(
            api.settings, OWNER, ttl_seconds=600, key=b"not-the-key-of-this-stage-0123456789"
        )
    if caller == "other_user":
        return api.token(OTHER)
    if caller == "own_user":
        return api.token(OWNER)
    return api.token("root", "admin")


def allowed(op: Operation, caller: str) -> bool:
    if caller in ("anonymous", "expired", "bad_signature"):
        return False
    if caller == "admin" or op.access == "user":
        return True
    return op.access == "owner" and caller == "own_user"


def documented(op: Operation) -> set[int]:
    return {int(s) for s in document()["paths"][op.path][op.method.lower()]["responses"]}


@pytest.mark.parametrize("op", GUARDED, ids=[op.id for op in GUARDED])
def test_every_route_for_every_caller(world: tuple[Api, dict[str, str]], op: Operation) -> None:
    api, values = world
    path = op.path.format(**values)
    for caller in CALLERS:
        response = api.call(op.method, path, token=token_for(api, caller), body=BODIES.get(op.id))
        status = response.status_code
        where = f"{op.method} {path} as {caller}: {status} {response.body[:200]!r}"
        assert status < 500, where
        body = body_of(response)
        if caller == "anonymous":  # API Gateway's own answer: no header, no authorizer
            assert (status, body) == (401, json.loads(answer("UNAUTHORIZED").body)), where
            continue
        assert status in documented(op), where
        if allowed(op, caller):
            assert status not in (401, 403), where
        elif caller in ("expired", "bad_signature"):
            assert (status, body["error"]) == (401, "unauthorized"), where
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), where
        else:
            assert (status, body["error"]) == (403, "forbidden"), where


def test_service_group_writes_feeds_but_manages_nothing(
    world: tuple[Api, dict[str, str]],
) -> None:
    api, _ = world
    service = api.token("ingest", "service")
    ok = api.call("POST", "/users/alice/feed", token=service, body={"content": "from a job"})
    assert ok.status_code == 201
    assert api.call("POST", "/broadcasts", token=service, body={"content": "x"}).status_code == 201
    for method, path in (("GET", "/keysets"), ("POST", "/terms"), ("GET", "/users/alice/feed")):
        assert api.call(method, path, token=service, body={"value": "#x"}).status_code == 403


def test_a_token_from_another_stage_is_refused(
    world: tuple[Api, dict[str, str]], local_cloud: LocalCloud
) -> None:
    api, _ = world
    other = new_stage(local_cloud)
    foreign = mint_token(other, OWNER, ttl_seconds=600, key=read_signing_key(other))
    response = api.call("GET", "/users/me/feed", token=foreign)
    assert response.status_code == 401


def test_users_see_only_their_own_feed_and_subscriptions(
    world: tuple[Api, dict[str, str]],
) -> None:
    api, values = world
    bob = api.token(OTHER)
    for path in ("/users/alice/feed", "/users/alice/subscriptions"):
        denied = api.call("GET", path, token=bob)
        assert denied.status_code == 403
        assert "alice's item" not in denied.body.decode()
        assert values["term_id"] not in denied.body.decode()
    mine = body_of(api.call("GET", "/users/me/feed", token=bob))
    assert all(item["content"] != "alice's item" for item in mine["items"])
    assert body_of(api.call("GET", "/users/me/subscriptions", token=bob))["items"] == []
    alices = body_of(api.call("GET", "/users/alice/feed", token=api.token(OWNER)))
    assert "alice's item" in [item["content"] for item in alices["items"]]
    # A cursor from Alice's feed does not open Bob's view of it either.
    admin_view = body_of(api.as_admin("GET", "/users/alice/feed?limit=1"))
    assert admin_view["items"][0]["content"]
