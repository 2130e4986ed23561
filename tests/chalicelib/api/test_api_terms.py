"""Terms through the API: validation, duplicates (also concurrent), X's dry run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.api import runtime
from chalicelib.api.runtime import Runtime
from chalicelib.terms import InvalidRule, normalize_value, term_id_for
from chalicelib.terms.syntax import check_rule
from tests.chalicelib.api.conftest import LOCAL_AUTH, Api, body_of
from tools.fakex import FakeX


def test_create_read_list_disable_delete(api: Api) -> None:
    created = api.as_admin("POST", "/terms", body={"value": "  #python   lang:en "})
    assert created.status_code == 201
    term = body_of(created)
    assert term["value"] == "#python lang:en"
    assert term["term_id"] == term["tag"] == term_id_for("#python lang:en")
    assert (term["sync_state"], term["enabled"]) == ("pending", True)
    assert term["created_at"].endswith("Z")
    assert created.headers["Location"] == f"/terms/{term['term_id']}"
    path = f"/terms/{term['term_id']}"
    assert body_of(api.as_admin("GET", path))["value"] == "#python lang:en"
    listed = body_of(api.as_admin("GET", "/terms"))["items"]
    assert [t["term_id"] for t in listed] == [term["term_id"]]
    for user_view in (api.as_user("alice", "GET", path), api.as_user("alice", "GET", "/terms")):
        assert (user_view.status_code, body_of(user_view)["error"]) == (403, "forbidden")
        assert "#python" not in user_view.body.decode()  # terms are the admins' business
    disabled = body_of(api.as_admin("PATCH", path, body={"enabled": False}))
    assert (disabled["enabled"], disabled["sync_state"]) == (False, "pending")
    assert api.as_admin("DELETE", path).status_code == 204
    assert api.as_admin("GET", path).status_code == 404
    assert api.as_admin("DELETE", path).status_code == 404


def test_deleting_a_term_removes_its_subscriptions(api: Api) -> None:
    term = body_of(api.as_admin("POST", "/terms", body={"value": "cats"}))["term_id"]
    assert api.as_user("alice", "PUT", f"/users/me/subscriptions/{term}").status_code == 201
    api.as_admin("DELETE", f"/terms/{term}")
    assert body_of(api.as_user("alice", "GET", "/users/me/subscriptions"))["items"] == []


def test_duplicates_are_409_even_when_spaced_differently(api: Api) -> None:
    assert api.as_admin("POST", "/terms", body={"value": "cats dogs"}).status_code == 201
    again = api.as_admin("POST", "/terms", body={"value": " cats\tdogs "})
    assert again.status_code == 409
    assert body_of(again)["error"] == "duplicate_term"


def test_concurrent_creates_of_one_rule_make_one_term(api: Api) -> None:
    def create(_: int) -> int:
        return int(api.as_admin("POST", "/terms", body={"value": "#race"}).status_code)

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(create, range(6)))
    assert statuses == [201] + [409] * 5


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"value": ""}, 400, "validation_error"),
        ({"value": "x" * 1025}, 400, "validation_error"),
        ({"value": "cats", "extra": 1}, 400, "validation_error"),
        ({"value": 5}, 400, "validation_error"),
        ({"value": "(cats"}, 400, "invalid_rule"),
        ({"value": "lang:en"}, 400, "invalid_rule"),
        ({"value": "cats OR"}, 400, "invalid_rule"),
        ({"value": "   "}, 400, "invalid_rule"),
        ({"value": "#a\u0000b"}, 400, "invalid_rule"),  # chaos hostile-input: was 201
    ],
)
def test_bad_terms_are_400(api: Api, body: object, status: int, code: str) -> None:
    response = api.as_admin("POST", "/terms", body=body)
    assert (response.status_code, body_of(response)["error"]) == (status, code)


def test_patch_needs_a_boolean_and_an_existing_term(api: Api) -> None:
    term = body_of(api.as_admin("POST", "/terms", body={"value": "owls"}))["term_id"]
    bad = api.as_admin("PATCH", f"/terms/{term}", body={"enabled": "maybe"})
    assert bad.status_code == 400
    missing = api.as_admin("PATCH", f"/terms/{term_id_for('nope')}", body={"enabled": True})
    assert missing.status_code == 404
    assert api.as_admin("GET", "/terms/not-an-id").status_code == 404


@pytest.mark.parametrize(
    "rule",
    ['"happy birthday" -is:retweet', "#a OR #b", "(cats OR dogs) has:media", "from:xdevelopers",
     'point_radius:[2.35 48.85 10km] "paris"', "-is:retweet @python"],
)  # fmt: skip
def test_local_syntax_check_accepts_x_rules(rule: str) -> None:
    check_rule(normalize_value(rule))


@pytest.mark.parametrize(
    "rule",
    ["-cats", "cats AND dogs", "has:foo cats", 'cats "', "unknownop:x", "is:retweet",
     "#a\x00b", "cats \x07dogs"],
)  # fmt: skip
def test_local_syntax_check_refuses_what_x_refuses(rule: str) -> None:
    with pytest.raises(InvalidRule):
        check_rule(rule)


def test_with_a_key_set_x_dry_run_decides(api: Api) -> None:
    with FakeX(rate=0) as fake:
        settings = api.settings.model_copy(update={"x_api_url": fake.url})
        runtime.install(Runtime.build(settings, LOCAL_AUTH))
        token = {"name": "main", "bearer_token": fake.bearer_token}
        assert api.as_admin("POST", "/keysets", body=token).status_code == 201
        ok = api.as_admin("POST", "/terms", body={"value": "#python"})
        assert ok.status_code == 201
        assert body_of(ok)["validation"] == {"method": "x_dry_run", "note": None}
        assert fake.rules() == []  # a dry run adds nothing
        refused = api.as_admin("POST", "/terms", body={"value": "from:this-is-not-a-handle"})
        assert refused.status_code == 422
        assert body_of(refused)["error"] == "rejected_by_x"
        assert "from" in body_of(refused)["message"]


def test_when_x_does_not_answer_the_local_check_stands_in(api: Api) -> None:
    api.as_admin("POST", "/keysets", body={"name": "main", "bearer_token": "AAAA-unreachable"})
    created = api.as_admin("POST", "/terms", body={"value": "#offline"})
    assert created.status_code == 201
    validation = body_of(created)["validation"]
    assert validation["method"] == "syntax_check"
    assert "unavailable" in validation["note"]
    assert "AAAA-unreachable" not in created.body.decode()
