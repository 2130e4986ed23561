"""Named X API key sets: secrets in Secrets Manager, metadata in DynamoDB.

``resolve_keyset(settings, requested)`` is what the streamer calls to pick the
credentials it connects with; the rest is the service the API and CLI share.
"""

from chalicelib.core.keysets.errors import (
    InvalidKeySet,
    KeySetError,
    KeySetExists,
    KeySetInUse,
    KeySetNotFound,
    KeySetResolutionError,
    SecretStoreError,
)
from chalicelib.core.keysets.resolve import resolve_keyset
from chalicelib.core.keysets.service import (
    DEFAULT_PK,
    DEFAULT_SK,
    DefaultKeySet,
    clear_default,
    create_keyset,
    delete_keyset,
    get_default,
    get_keyset,
    list_keysets,
    read_values,
    replace_keyset,
    set_default,
)
from chalicelib.core.keysets.values import (
    NAME_PATTERN,
    SECRET_FIELDS,
    KeySet,
    KeySetInfo,
    SecretValues,
)

__all__ = [
    "DEFAULT_PK",
    "DEFAULT_SK",
    "NAME_PATTERN",
    "SECRET_FIELDS",
    "DefaultKeySet",
    "InvalidKeySet",
    "KeySet",
    "KeySetError",
    "KeySetExists",
    "KeySetInUse",
    "KeySetInfo",
    "KeySetNotFound",
    "KeySetResolutionError",
    "SecretStoreError",
    "SecretValues",
    "clear_default",
    "create_keyset",
    "delete_keyset",
    "get_default",
    "get_keyset",
    "list_keysets",
    "read_values",
    "replace_keyset",
    "resolve_keyset",
    "set_default",
]
