"""Key sets: CRUD with masked hints, the default, and resolve_keyset's choices."""

from __future__ import annotations

import pytest

from chalicelib.core import aws
from chalicelib.core.keysets import (
    KeySetError,
    KeySetResolutionError,
    SecretValues,
    create_keyset,
    resolve_keyset,
    set_default,
)
from chalicelib.core.settings import Settings
from tests.chalicelib.api.conftest import Api, body_of

TOKEN = "AAAAAAAAAAAAAAAAAAAAAsecretBearer9f3k"


def test_create_read_replace_delete(api: Api) -> None:
    body = {
        "name": "research",
        "bearer_token": TOKEN,
        "consumer_key": "ck-secret-1",
        "consumer_secret": "cs-secret-2",
        "access_token": "at-secret-3",
        "access_token_secret": "ats-secret-4",
        "description": "the research app",
    }
    created = api.as_admin("POST", "/keysets", body=body)
    assert created.status_code == 201
    shown = body_of(created)
    assert shown["hint"] == "****9f3k"
    assert shown["has_user_context"] is True
    assert shown["is_default"] is True  # the only key set
    stored = aws.client(api.settings, "secretsmanager").get_secret_value(
        SecretId=api.settings.secret_name("keysets/research")
    )
    assert '"bearer_token": "' + TOKEN in stored["SecretString"]
    assert api.as_admin("POST", "/keysets", body=body).status_code == 409
    replaced = api.as_admin(
        "PUT", "/keysets/research", body={"bearer_token": "BBBB-new-token-zz99"}
    )
    assert (body_of(replaced)["hint"], body_of(replaced)["has_user_context"]) == ("****zz99", False)
    assert resolve_keyset(api.settings, "research").bearer_token == "BBBB-new-token-zz99"
    assert api.as_admin("PUT", "/keysets/nope", body={"bearer_token": TOKEN}).status_code == 404
    assert api.as_admin("DELETE", "/keysets/research").status_code == 204
    assert api.as_admin("GET", "/keysets/research").status_code == 404
    # The name can be used again (the old secret is restored from its deletion window).
    assert api.as_admin("POST", "/keysets", body=body).status_code == 201


def test_default_key_set_rules(api: Api) -> None:
    for name in ("a", "b"):
        api.as_admin("POST", "/keysets", body={"name": name, "bearer_token": f"{TOKEN}{name}"})
    assert body_of(api.as_admin("GET", "/default-keyset")) == {"name": None, "source": "none"}
    assert api.as_admin("PUT", "/default-keyset", body={"name": "zz"}).status_code == 404
    chosen = body_of(api.as_admin("PUT", "/default-keyset", body={"name": "b"}))
    assert chosen == {"name": "b", "source": "stored"}
    listing = body_of(api.as_admin("GET", "/keysets"))
    assert [(k["name"], k["is_default"]) for k in listing["items"]] == [("a", False), ("b", True)]
    refused = api.as_admin("DELETE", "/keysets/b")
    assert (refused.status_code, body_of(refused)["error"]) == (409, "keyset_in_use")
    assert body_of(api.as_admin("DELETE", "/default-keyset"))["source"] == "none"
    assert api.as_admin("DELETE", "/keysets/b").status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        {"name": "bad name", "bearer_token": TOKEN},
        {"name": "x" * 65, "bearer_token": TOKEN},
        {"name": "ok", "bearer_token": "short"},
        {"name": "ok", "bearer_token": "has space inside"},
        {"name": "ok"},
        {"name": "ok", "bearer_token": TOKEN, "password": "x"},
        # chaos hostile-input: a lone surrogate was stored (201); X takes ASCII headers only
        {"name": "ok", "bearer_token": "AAAA\ud83d-token-0001"},
        {"name": "ok", "bearer_token": "AAAA-caf\u00e9-token"},
    ],
)
def test_bad_key_sets_are_400_without_echoing_secrets(api: Api, body: dict[str, str]) -> None:
    response = api.as_admin("POST", "/keysets", body=body)
    assert response.status_code == 400
    assert TOKEN not in response.body.decode()
    assert "short" not in body_of(response)["message"].replace("at least", "")


def _add(settings: Settings, name: str) -> None:
    create_keyset(settings, name, SecretValues(bearer_token=f"token-for-{name}"))


def test_resolve_keyset_order(api_stage: Settings) -> None:
    with pytest.raises(KeySetResolutionError, match="no X API key set is stored"):
        resolve_keyset(api_stage, None)
    _add(api_stage, "one")
    only = resolve_keyset(api_stage, None)
    assert (only.name, only.bearer_token) == ("one", "token-for-one")
    _add(api_stage, "two")
    with pytest.raises(KeySetResolutionError, match="several key sets and no default: one, two"):
        resolve_keyset(api_stage, None)
    set_default(api_stage, "two")
    assert resolve_keyset(api_stage, None).name == "two"
    from_setting = api_stage.model_copy(update={"default_keys": "one"})
    assert resolve_keyset(from_setting, None).name == "one"
    assert resolve_keyset(api_stage, "one").name == "one"
    with pytest.raises(KeySetError, match=r"no key set named 'three' .*known key sets: one, two"):
        resolve_keyset(api_stage, "three")
    unknown_setting = api_stage.model_copy(update={"default_keys": "gone"})
    with pytest.raises(KeySetResolutionError, match="STREAMFEED_DEFAULT_KEYS"):
        resolve_keyset(unknown_setting, None)


def test_a_key_set_never_shows_its_secrets() -> None:
    from chalicelib.core.keysets import KeySet

    keyset = KeySet(
        "main", "bearer-SECRET-abcd", "ck-SECRET", "cs-SECRET", "at-SECRET", "ats-SECRET"
    )
    for text in (repr(keyset), str(keyset), f"{keyset}", repr(SecretValues("bearer-SECRET-abcd"))):
        assert "SECRET" not in text
    assert repr(keyset) == "KeySet(name='main', hint='…abcd')"
    assert keyset.has_user_context
