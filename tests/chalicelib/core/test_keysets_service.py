"""The key-set service called directly (not over HTTP), on the local cloud.

What the service hands out is a ``KeySetInfo``: metadata and a 4-character
hint, never a secret (nor where the secret lives). The secrets come back only
through ``read_values``.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from pynamodb.models import Model

from chalicelib.core import aws, keysets
from chalicelib.core.keysets import (
    InvalidKeySet,
    KeySetExists,
    KeySetInfo,
    KeySetInUse,
    KeySetNotFound,
    SecretValues,
)
from chalicelib.core.settings import Settings

SECRETS = SecretValues(
    bearer_token="bearer-TOPSECRET-token-9f3k",
    consumer_key="ck-TOPSECRET-1",
    consumer_secret="cs-TOPSECRET-2",
    access_token="at-TOPSECRET-3",
    access_token_secret="ats-TOPSECRET-4",
)


def token(name: str) -> SecretValues:
    return SecretValues(bearer_token=f"token-for-{name}")


def secret_texts(values: SecretValues) -> list[str]:
    return [v for v in (getattr(values, f) for f in keysets.SECRET_FIELDS) if v]


def assert_no_secret(info: KeySetInfo, values: SecretValues, settings: Settings) -> None:
    """No field, nor the repr, holds a secret or the secret's Secrets Manager id."""
    forbidden = [*secret_texts(values), settings.secret_name(f"keysets/{info.name}")]
    shown = [str(getattr(info, f.name)) for f in dataclasses.fields(info)] + [repr(info)]
    for text in shown:
        for secret in forbidden:
            assert secret not in text


def test_create_keyset_returns_metadata_only(stage: Settings) -> None:
    info = keysets.create_keyset(stage, "research", SECRETS, "the research app")
    assert type(info) is KeySetInfo
    assert not isinstance(info, Model)
    assert {f.name for f in dataclasses.fields(info)} == {
        "name",
        "hint",
        "has_user_context",
        "description",
        "created_at",
        "updated_at",
    }
    assert (info.name, info.hint, info.has_user_context, info.description) == (
        "research",
        "9f3k",
        True,
        "the research app",
    )
    assert info.created_at == info.updated_at
    assert info.created_at.utcoffset() == timedelta(0)
    assert_no_secret(info, SECRETS, stage)
    assert keysets.get_keyset(stage, "research") == info
    assert keysets.read_values(stage, "research") == SECRETS


def test_list_keysets_gives_values_by_name_without_secrets(stage: Settings) -> None:
    assert keysets.list_keysets(stage) == []
    for name in ("zulu", "alpha", "mike"):
        keysets.create_keyset(stage, name, token(name))
    listed = keysets.list_keysets(stage)
    assert [k.name for k in listed] == ["alpha", "mike", "zulu"]
    assert listed == [keysets.get_keyset(stage, k.name) for k in listed]
    for info in listed:
        assert type(info) is KeySetInfo
        assert (info.hint, info.has_user_context, info.description) == (
            token(info.name).hint,
            False,
            None,
        )
        assert_no_secret(info, token(info.name), stage)


def test_a_second_create_of_a_name_is_refused_and_keeps_the_first(stage: Settings) -> None:
    first = keysets.create_keyset(stage, "main", token("first"))
    with pytest.raises(KeySetExists):
        keysets.create_keyset(stage, "main", token("second"))
    assert keysets.get_keyset(stage, "main") == first
    assert keysets.read_values(stage, "main") == token("first")


def test_replace_keyset_changes_the_secrets_and_the_metadata(stage: Settings) -> None:
    created = keysets.create_keyset(stage, "main", SECRETS, "old note")
    replaced = keysets.replace_keyset(stage, "main", token("new"), "new note")
    assert type(replaced) is KeySetInfo
    assert (replaced.hint, replaced.has_user_context, replaced.description) == (
        token("new").hint,
        False,
        "new note",
    )
    assert replaced.created_at == created.created_at
    assert replaced.updated_at >= created.updated_at
    assert_no_secret(replaced, token("new"), stage)
    assert keysets.get_keyset(stage, "main") == replaced
    assert keysets.read_values(stage, "main") == token("new")


def test_delete_keyset_removes_it_and_schedules_the_secret_for_deletion(stage: Settings) -> None:
    keysets.create_keyset(stage, "main", token("main"))
    keysets.create_keyset(stage, "spare", token("spare"))
    keysets.delete_keyset(stage, "main")
    with pytest.raises(KeySetNotFound):
        keysets.get_keyset(stage, "main")
    assert [k.name for k in keysets.list_keysets(stage)] == ["spare"]
    described = aws.client(stage, "secretsmanager").describe_secret(
        SecretId=stage.secret_name("keysets/main")
    )
    assert "DeletedDate" in described
    # The name is free again, and the re-created key set's secret is readable and current.
    assert keysets.create_keyset(stage, "main", token("again")).hint == token("again").hint
    assert keysets.read_values(stage, "main") == token("again")


def test_unknown_and_malformed_names(stage: Settings) -> None:
    for call in (
        lambda: keysets.get_keyset(stage, "nope"),
        lambda: keysets.replace_keyset(stage, "nope", token("x")),
        lambda: keysets.delete_keyset(stage, "nope"),
        lambda: keysets.read_values(stage, "nope"),
        lambda: keysets.set_default(stage, "nope"),
    ):
        with pytest.raises(KeySetNotFound):
            call()
    for bad in ("bad name", "x" * 65, ""):
        with pytest.raises(InvalidKeySet):
            keysets.create_keyset(stage, bad, token("x"))
        with pytest.raises(InvalidKeySet):
            keysets.get_keyset(stage, bad)
    assert keysets.list_keysets(stage) == []


def test_the_default_set_stored_cleared_and_guarding_deletion(stage: Settings) -> None:
    none = keysets.DefaultKeySet(None, "none")
    assert keysets.get_default(stage) == none
    keysets.create_keyset(stage, "a", token("a"))
    assert keysets.get_default(stage) == keysets.DefaultKeySet("a", "only")
    keysets.create_keyset(stage, "b", token("b"))
    assert keysets.get_default(stage) == none

    assert keysets.set_default(stage, "b") == keysets.DefaultKeySet("b", "stored")
    with pytest.raises(KeySetInUse):
        keysets.delete_keyset(stage, "b")
    assert keysets.get_keyset(stage, "b").name == "b"
    assert keysets.read_values(stage, "b") == token("b")

    assert keysets.clear_default(stage) == none
    assert keysets.clear_default(stage) == none  # clearing twice is fine
    keysets.delete_keyset(stage, "b")
    # The only key set left is the default by elimination, which does not pin it.
    assert keysets.get_default(stage) == keysets.DefaultKeySet("a", "only")
    keysets.delete_keyset(stage, "a")
    assert keysets.get_default(stage) == none


def test_a_default_named_by_the_setting_cannot_be_deleted(stage: Settings) -> None:
    keysets.create_keyset(stage, "a", token("a"))
    keysets.create_keyset(stage, "b", token("b"))
    pinned = stage.model_copy(update={"default_keys": "a"})
    assert keysets.get_default(pinned) == keysets.DefaultKeySet("a", "setting")
    # The setting wins over a stored default.
    assert keysets.set_default(pinned, "b") == keysets.DefaultKeySet("a", "setting")
    with pytest.raises(KeySetInUse, match="setting"):
        keysets.delete_keyset(pinned, "a")
    assert [k.name for k in keysets.list_keysets(stage)] == ["a", "b"]
