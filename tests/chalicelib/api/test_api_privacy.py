"""Term privacy: a plain user learns only the terms they subscribe to.

Hidden terms (nobody told them the rule) and disabled terms must not leak
through a tweet's ``term_ids``, X's ``matching_rules`` in its payload, a term's
timeline, or a subscription's answer; each refusal looks exactly like the
answer for a term that does not exist. Admins and the service group still see
every term. Each test here failed before issue 20.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.terms import term_id_for
from tests.chalicelib.api.conftest import Api, body_of
from tests.chalicelib.api.support import store_tweet

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _terms(api: Api) -> tuple[str, str, str]:
    """alice follows #shared; #hidden is enabled but not hers; #off is disabled."""
    shared, hidden = (
        body_of(api.as_admin("POST", "/terms", body={"value": value}))["term_id"]
        for value in ("#shared", "#hidden")
    )
    off = body_of(api.as_admin("POST", "/terms", body={"value": "#off", "enabled": False}))
    assert api.as_admin("PUT", f"/users/alice/subscriptions/{shared}").status_code == 201
    return shared, hidden, off["term_id"]


def _as_unknown(response: Any, term_id: str, unknown: str) -> tuple[int, Any]:
    """The answer with the term's id swapped for an unknown one's: equal means indistinguishable."""
    return response.status_code, response.body.decode().replace(term_id, unknown)


def test_a_tweet_shows_only_the_callers_terms(api: Api) -> None:
    shared, hidden, off = _terms(api)
    store_tweet(api.settings, "500", shared, NOW, "three terms", also=(hidden, off))
    mine = body_of(api.as_user("alice", "GET", "/tweets/500"))
    assert mine["term_ids"] == [shared]
    assert body_of(api.as_user("bob", "GET", "/tweets/500"))["term_ids"] == []
    everything = sorted((shared, hidden, off))
    assert body_of(api.as_admin("GET", "/tweets/500"))["term_ids"] == everything
    service = api.call("GET", "/tweets/500", token=api.token("ingest", "service"))
    assert body_of(service)["term_ids"] == everything


def test_the_payloads_matching_rules_keep_only_the_callers_terms(api: Api) -> None:
    shared, hidden, off = _terms(api)
    store_tweet(api.settings, "501", shared, NOW, "three terms", also=(hidden, off))
    full = api.as_user("alice", "GET", "/tweets/501?include=payload")
    assert [rule["tag"] for rule in body_of(full)["payload"]["matching_rules"]] == [shared]
    assert hidden not in full.body.decode() and off not in full.body.decode()
    bobs = body_of(api.as_user("bob", "GET", "/tweets/501?include=payload"))
    assert bobs["payload"]["matching_rules"] == []
    assert bobs["payload"]["data"] == {"id": "501", "text": "three terms"}
    admins = body_of(api.as_admin("GET", "/tweets/501?include=payload"))
    assert {rule["tag"] for rule in admins["payload"]["matching_rules"]} == {shared, hidden, off}


def test_only_a_subscribed_terms_timeline_is_readable(api: Api) -> None:
    shared, hidden, off = _terms(api)
    store_tweet(api.settings, "502", shared, NOW, "three terms", also=(hidden, off))
    unknown = term_id_for("#never-created")
    missing = api.as_user("alice", "GET", f"/terms/{unknown}/tweets")
    assert (missing.status_code, body_of(missing)["error"]) == (404, "term_not_found")
    for term_id in (hidden, off):
        refused = api.as_user("alice", "GET", f"/terms/{term_id}/tweets")
        assert _as_unknown(refused, term_id, unknown) == _as_unknown(missing, unknown, unknown)
        assert "three terms" not in refused.body.decode()
    own = body_of(api.as_user("alice", "GET", f"/terms/{shared}/tweets"))
    assert [(t["id"], t["term_ids"]) for t in own["items"]] == [("502", [shared])]
    assert api.as_user("bob", "GET", f"/terms/{shared}/tweets").status_code == 404
    service = api.token("ingest", "service")
    for term_id in (shared, hidden, off):
        for token in (service, api.token("root", "admin")):
            page = body_of(api.call("GET", f"/terms/{term_id}/tweets", token=token))
            assert page["items"][0]["term_ids"] == sorted((shared, hidden, off))


def test_users_cannot_subscribe_to_a_disabled_term_but_an_admin_can_for_them(api: Api) -> None:
    shared, _, off = _terms(api)
    unknown = term_id_for("#never-created")
    missing = api.as_user("alice", "PUT", f"/users/me/subscriptions/{unknown}")
    refused = api.as_user("alice", "PUT", f"/users/me/subscriptions/{off}")
    assert _as_unknown(refused, off, unknown) == _as_unknown(missing, unknown, unknown)
    assert "#off" not in refused.body.decode()
    by_id = api.as_user("alice", "POST", "/users/me/subscriptions", body={"term_id": off})
    assert _as_unknown(by_id, off, unknown) == _as_unknown(missing, unknown, unknown)
    by_rule = api.as_user("alice", "POST", "/users/me/subscriptions", body={"value": "#off"})
    nothing = api.as_user("alice", "POST", "/users/me/subscriptions", body={"value": "#nope"})
    assert _as_unknown(by_rule, "#off", "#nope") == _as_unknown(nothing, "#nope", "#nope")
    service = api.token("ingest", "service")
    assert api.call("PUT", f"/users/me/subscriptions/{off}", token=service).status_code == 404
    listed = body_of(api.as_user("alice", "GET", "/users/me/subscriptions"))["items"]
    assert [s["term_id"] for s in listed] == [shared]
    # An admin acting for alice may; then the term is hers to see, and to subscribe again.
    granted = api.as_admin("PUT", f"/users/alice/subscriptions/{off}")
    assert (granted.status_code, body_of(granted)["enabled"]) == (201, False)
    again = api.as_user("alice", "PUT", f"/users/me/subscriptions/{off}")
    assert (again.status_code, body_of(again)["value"]) == (200, "#off")
    assert api.as_user("alice", "GET", f"/terms/{off}/tweets").status_code == 200
