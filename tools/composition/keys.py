"""The fake X server's key set: stored like any other, so the streamer's path is X's.

The streamer reads its bearer token from a key set (Secrets Manager). Storing
the fake server's token the same way means the demo streams through exactly
the code that streams from the real X; only ``STREAMFEED_X_API_URL`` differs.
"""

from __future__ import annotations

from chalicelib.core import keysets
from chalicelib.core.keysets import KeySetNotFound, SecretValues
from chalicelib.core.settings import Settings
from tools.composition.config import FAKE_KEYS, FAKE_KEYS_DESCRIPTION


def ensure_keyset(
    settings: Settings,
    bearer_token: str,
    name: str = FAKE_KEYS,
    description: str = FAKE_KEYS_DESCRIPTION,
) -> bool:
    """Store key set ``name`` with ``bearer_token`` unless it already holds it; True if written."""
    values = SecretValues(bearer_token=bearer_token)
    try:
        stored = keysets.read_values(settings, name)
    except KeySetNotFound:
        keysets.create_keyset(settings, name, values, description)
        return True
    if stored.bearer_token == bearer_token:
        return False
    keysets.replace_keyset(settings, name, values, description)
    return True


def real_keysets(settings: Settings) -> list[str]:
    """Names of the stored key sets that are not the fake server's."""
    return [k.name for k in keysets.list_keysets(settings) if k.name != FAKE_KEYS]
