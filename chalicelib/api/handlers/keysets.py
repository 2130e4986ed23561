"""Key sets (admin): secrets go to Secrets Manager; responses carry a masked hint only."""

from __future__ import annotations

from chalicelib.api.call import Call, Reply
from chalicelib.api.schemas.keysets import (
    DefaultKeySet,
    DefaultKeySetUpdate,
    KeySet,
    KeySetCreate,
    KeySetList,
    KeySetSecrets,
)
from chalicelib.core import keysets
from chalicelib.core.keysets import KeySetInfo, SecretValues


def _secrets(body: KeySetSecrets) -> SecretValues:
    def reveal(name: str) -> str | None:
        value = getattr(body, name)
        return None if value is None else str(value.get_secret_value())

    return SecretValues(
        bearer_token=body.bearer_token.get_secret_value(),
        consumer_key=reveal("consumer_key"),
        consumer_secret=reveal("consumer_secret"),
        access_token=reveal("access_token"),
        access_token_secret=reveal("access_token_secret"),
    )


def present(keyset: KeySetInfo, default: keysets.DefaultKeySet) -> KeySet:
    return KeySet(
        name=keyset.name,
        hint=f"****{keyset.hint}",
        has_user_context=keyset.has_user_context,
        description=keyset.description,
        is_default=default.name == keyset.name,
        created_at=keyset.created_at,
        updated_at=keyset.updated_at,
    )


def _default(value: keysets.DefaultKeySet) -> DefaultKeySet:
    return DefaultKeySet(name=value.name, source=value.source)


def list_keysets(call: Call) -> Reply[KeySetList]:
    settings = call.runtime.settings
    default = keysets.get_default(settings)
    found = keysets.list_keysets(settings)
    return Reply(KeySetList(items=[present(k, default) for k in found], default=_default(default)))


def create_keyset(call: Call) -> Reply[KeySet]:
    body = call.body_as(KeySetCreate)
    settings = call.runtime.settings
    keyset = keysets.create_keyset(settings, body.name, _secrets(body), body.description)
    out = present(keyset, keysets.get_default(settings))
    return Reply(out, 201, {"Location": f"/keysets/{keyset.name}"})


def get_keyset(call: Call) -> Reply[KeySet]:
    settings = call.runtime.settings
    keyset = keysets.get_keyset(settings, call.path["name"])
    return Reply(present(keyset, keysets.get_default(settings)))


def replace_keyset(call: Call) -> Reply[KeySet]:
    body = call.body_as(KeySetSecrets)
    settings = call.runtime.settings
    keyset = keysets.replace_keyset(settings, call.path["name"], _secrets(body), body.description)
    return Reply(present(keyset, keysets.get_default(settings)))


def delete_keyset(call: Call) -> Reply[KeySet]:
    keysets.delete_keyset(call.runtime.settings, call.path["name"])
    return Reply(None, 204)


def get_default(call: Call) -> Reply[DefaultKeySet]:
    return Reply(_default(keysets.get_default(call.runtime.settings)))


def set_default(call: Call) -> Reply[DefaultKeySet]:
    body = call.body_as(DefaultKeySetUpdate)
    return Reply(_default(keysets.set_default(call.runtime.settings, body.name)))


def clear_default(call: Call) -> Reply[DefaultKeySet]:
    return Reply(_default(keysets.clear_default(call.runtime.settings)))
