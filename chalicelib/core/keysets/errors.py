"""What the key-set package raises. ``KeySetError`` is the one type to catch."""

from __future__ import annotations

from chalicelib.core.errors import Conflict, InvalidInput, NotFound, ServiceError, Unavailable


class KeySetError(ServiceError):
    """Any key-set failure; ``str()`` is one line and never contains a secret."""

    code = "keyset_error"


class KeySetResolutionError(KeySetError, InvalidInput):
    """No key set could be chosen (unknown name, none stored, several and no default)."""

    code = "keyset_unresolved"


class KeySetNotFound(KeySetError, NotFound):
    code = "keyset_not_found"


class KeySetExists(KeySetError, Conflict):
    code = "keyset_exists"


class KeySetInUse(KeySetError, Conflict):
    code = "keyset_in_use"


class InvalidKeySet(KeySetError, InvalidInput):
    code = "invalid_keyset"


class SecretStoreError(KeySetError, Unavailable):
    """Secrets Manager failed or holds something unreadable for a key set."""

    code = "secret_store_error"
