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


# --- term privacy: which terms each kind of caller learns of ---------------------------------

SEERS = ("other_user", "own_user", "service", "admin")


@pytest.fixture(scope="module")
def private_terms(world: tuple[Api, dict[str, str]]) -> dict[str, str]:
    """#vis-shared (the owner follows it), #vis-hidden (nobody does), #vis-off (disabled)."""
    api, _ = world
    made = {
        name: body_of(api.as_admin("POST", "/terms", body={"value": f"#vis-{name}"}))["term_id"]
        for name in ("shared", "hidden")
    }
    off = api.as_admin("POST", "/terms", body={"value": "#vis-off", "enabled": False})
    made["off"] = body_of(off)["term_id"]
    api.as_admin("PUT", f"/users/{OWNER}/subscriptions/{made['shared']}")
    store_tweet(api.settings, "2001", made["shared"], datetime.now(UTC), "seen by some",
                also=(made["hidden"], made["off"]))  # fmt: skip
    return made


@pytest.mark.parametrize("caller", SEERS)
def test_each_caller_learns_only_the_terms_it_may_see(
    world: tuple[Api, dict[str, str]], private_terms: dict[str, str], caller: str
) -> None:
    api, _ = world
    token = api.token("ingest", "service") if caller == "service" else token_for(api, caller)
    everything = set(private_terms)
    seen = {"other_user": set(), "own_user": {"shared"}}.get(caller, everything)
    ids = sorted(private_terms[name] for name in seen)
    tweet = body_of(api.call("GET", "/tweets/2001?include=payload", token=token))
    assert tweet["term_ids"] == ids, caller
    assert sorted(rule["tag"] for rule in tweet["payload"]["matching_rules"]) == ids, caller
    for name, term_id in private_terms.items():
        timeline = api.call("GET", f"/terms/{term_id}/tweets", token=token)
        expected = (200, None) if name in seen else (404, "term_not_found")
        got = (timeline.status_code, None if name in seen else body_of(timeline)["error"])
        assert got == expected, (caller, name)
    # Subscribing to the disabled term: only an admin (here for a third user) may.
    path = f"/users/{'carol' if caller == 'admin' else 'me'}/subscriptions/{private_terms['off']}"
    subscribed = api.call("PUT", path, token=token)
    assert subscribed.status_code == (201 if caller == "admin" else 404), caller
