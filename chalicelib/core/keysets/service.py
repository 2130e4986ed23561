"""Key sets: named X API credentials. Used by the API and the CLI alike.

The ``keysets`` row holds metadata, the Secrets Manager id and a 4-character
hint; the secret values go to Secrets Manager only. The row is written first
with a condition, so two concurrent creates of one name cannot both win; if
storing the secret then fails, the row is removed again.

Key sets leave this module as :class:`KeySetInfo` values (no secret, no
secret id); the secrets only through ``read_values``, by name.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from chalicelib.core.keysets import store
from chalicelib.core.keysets.errors import KeySetExists, KeySetInUse, KeySetNotFound
from chalicelib.core.keysets.values import KeySetInfo, SecretValues, check_name
from chalicelib.core.models import ControlRecord, KeySetModel, bind_models
from chalicelib.core.settings import Settings

#: Where the stored default lives: ControlRecord(pk, sk).data == {"name": ...}.
DEFAULT_PK: Final = "config"
DEFAULT_SK: Final = "default-keyset"
MAX_KEYSETS: Final = 100
MAX_DESCRIPTION: Final = 200
_CONDITION_FAILED: Final = "ConditionalCheckFailedException"


@dataclass(frozen=True, slots=True)
class DefaultKeySet:
    """Which key set streams when none is named, and where that choice comes from."""

    name: str | None
    source: Literal["setting", "stored", "only", "none"]


def _now() -> datetime:
    return datetime.now(UTC)


def list_keysets(settings: Settings) -> list[KeySetInfo]:
    rows = bind_models(settings).keysets.scan(limit=MAX_KEYSETS)
    return sorted((KeySetInfo.from_model(row) for row in rows), key=lambda k: k.name)


def get_keyset(settings: Settings, name: str) -> KeySetInfo:
    return KeySetInfo.from_model(_row(settings, name))


def _row(settings: Settings, name: str) -> KeySetModel:
    check_name(name)
    try:
        return bind_models(settings).keysets.get(name, consistent_read=True)
    except DoesNotExist:
        raise KeySetNotFound(f"no key set named {name!r}") from None


def create_keyset(
    settings: Settings, name: str, values: SecretValues, description: str | None = None
) -> KeySetInfo:
    check_name(name)
    model = bind_models(settings).keysets
    now = _now()
    row = model(
        name,
        secret_id=store.secret_name(settings, name),
        hint=values.hint,
        has_user_context=values.has_user_context,
        description=description,
        created_at=now,
        updated_at=now,
    )
    try:
        row.save(condition=model.name.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == _CONDITION_FAILED:
            raise KeySetExists(f"a key set named {name!r} already exists") from None
        raise
    try:
        store.put_secret(settings, name, values)
    except Exception:
        row.delete()
        raise
    return KeySetInfo.from_model(row)


def replace_keyset(
    settings: Settings, name: str, values: SecretValues, description: str | None = None
) -> KeySetInfo:
    """New secret values (and description) for an existing key set."""
    row = _row(settings, name)
    store.put_secret(settings, name, values)
    row.hint = values.hint
    row.has_user_context = values.has_user_context
    row.description = description
    row.updated_at = _now()
    row.save()
    return KeySetInfo.from_model(row)


def delete_keyset(settings: Settings, name: str) -> None:
    """Delete a key set; refused while it is the default (set or clear that first)."""
    row = _row(settings, name)
    default = get_default(settings)
    if default.name == name and default.source in ("setting", "stored"):
        raise KeySetInUse(
            f"key set {name!r} is the default ({default.source}); "
            "choose another default or clear it first"
        )
    model = bind_models(settings).keysets
    try:
        row.delete(condition=model.name.exists())
    except DeleteError as exc:
        if exc.cause_response_code == _CONDITION_FAILED:
            raise KeySetNotFound(f"no key set named {name!r}") from None
        raise
    store.delete_secret(settings, name, row.secret_id)


def read_values(settings: Settings, name: str) -> SecretValues:
    """The secrets of key set ``name``; ``KeySetNotFound`` if there is none.

    By name, not from a ``KeySetInfo``: the secret id stays in the row, and a
    key set deleted since it was listed is reported as gone, not as a
    Secrets Manager failure.
    """
    row = _row(settings, name)
    return store.read_secret(settings, row.name, row.secret_id)


def stored_default(settings: Settings) -> str | None:
    try:
        record = bind_models(settings).control.get(DEFAULT_PK, DEFAULT_SK, consistent_read=True)
    except DoesNotExist:
        return None
    data = record.data if isinstance(record.data, dict) else {}
    name = data.get("name")
    return name if isinstance(name, str) and name else None


def get_default(settings: Settings) -> DefaultKeySet:
    """The default as ``resolve_keyset(settings, None)`` would choose it (without secrets)."""
    if settings.default_keys:
        return DefaultKeySet(settings.default_keys, "setting")
    stored = stored_default(settings)
    if stored is not None:
        return DefaultKeySet(stored, "stored")
    names = [row.name for row in list_keysets(settings)]
    if len(names) == 1:
        return DefaultKeySet(names[0], "only")
    return DefaultKeySet(None, "none")


def set_default(settings: Settings, name: str) -> DefaultKeySet:
    """Store ``name`` as the default (``STREAMFEED_DEFAULT_KEYS`` still wins if set)."""
    _row(settings, name)
    control: type[ControlRecord] = bind_models(settings).control
    control(DEFAULT_PK, DEFAULT_SK, data={"name": name}, updated_at=_now()).save()
    return get_default(settings)


def clear_default(settings: Settings) -> DefaultKeySet:
    control = bind_models(settings).control
    with contextlib.suppress(DoesNotExist):
        control.get(DEFAULT_PK, DEFAULT_SK).delete()
    return get_default(settings)
