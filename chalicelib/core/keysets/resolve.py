"""Choose the key set to stream with, as django-twitter-stream's ``stream [KEYS_NAME]`` command did.

Order: the name asked for; else ``STREAMFEED_DEFAULT_KEYS``; else the default
stored through the API/CLI; else the only key set there is. Several key sets
and no default, or none at all, is an error naming what exists, so an operator
can fix it in one step.
"""

from __future__ import annotations

from chalicelib.core.keysets.errors import InvalidKeySet, KeySetNotFound, KeySetResolutionError
from chalicelib.core.keysets.service import list_keysets, read_values, stored_default
from chalicelib.core.keysets.values import KeySet
from chalicelib.core.settings import Settings, env_name


def resolve_keyset(settings: Settings, requested: str | None) -> KeySet:
    """The key set to use, with its secrets; ``KeySetResolutionError`` when none fits.

    Raises ``SecretStoreError`` (also a ``KeySetError``) if the secret is unreadable.
    """
    if requested is not None:
        return _load(settings, requested, "requested")
    if settings.default_keys:
        return _load(settings, settings.default_keys, f"named by {env_name('default_keys')}")
    stored = stored_default(settings)
    if stored is not None:
        return _load(settings, stored, "stored as the default")
    names = [row.name for row in list_keysets(settings)]
    if len(names) == 1:
        return _load(settings, names[0], "the only key set")
    if not names:
        raise KeySetResolutionError(
            "no X API key set is stored; add one with `streamfeed keys add NAME`"
        )
    raise KeySetResolutionError(
        f"several key sets and no default: {_listing(names)}; name one, set "
        f"{env_name('default_keys')}, or run `streamfeed keys set-default NAME`"
    )


def _load(settings: Settings, name: str, why: str) -> KeySet:
    try:
        values = read_values(settings, name)  # store errors are SecretStoreErrors, not these
    except (KeySetNotFound, InvalidKeySet):
        raise _unknown(settings, name, why) from None
    return KeySet.of(name, values)


def _unknown(settings: Settings, name: str, why: str) -> KeySetResolutionError:
    names = [row.name for row in list_keysets(settings)]
    known = _listing(names) if names else "none are stored"
    return KeySetResolutionError(f"no key set named {name!r} ({why}); known key sets: {known}")


def _listing(names: list[str]) -> str:
    return ", ".join(names)
