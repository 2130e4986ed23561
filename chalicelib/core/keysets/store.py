"""Key-set secrets in Secrets Manager, at ``<prefix>/keysets/<name>``.

Only this module touches the secret values. Errors are re-raised as one-line
``SecretStoreError``s naming the operation, never the botocore exception
text (which could echo a request parameter).
"""

from __future__ import annotations

import json
from typing import Final

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core import aws, redact
from chalicelib.core.keysets.errors import InvalidKeySet, SecretStoreError
from chalicelib.core.keysets.values import SecretValues
from chalicelib.core.resources import KEYSET_SECRET_PREFIX
from chalicelib.core.settings import Settings

redact.install()

#: A deleted key set's secret can be restored for this long (the AWS minimum).
RECOVERY_DAYS: Final = 7


def secret_name(settings: Settings, name: str) -> str:
    return settings.secret_name(f"{KEYSET_SECRET_PREFIX}{name}")


def put_secret(settings: Settings, name: str, values: SecretValues) -> str:
    """Create or overwrite the key set's secret; returns its Secrets Manager id (name)."""
    manager = aws.client(settings, "secretsmanager")
    secret_id = secret_name(settings, name)
    try:
        try:
            manager.create_secret(
                Name=secret_id,
                SecretString=values.to_json(),
                Description=f"streamfeed X API key set {name}",
            )
            return secret_id
        except ClientError as exc:
            code = _code(exc)
            if code not in ("InvalidRequestException", "ResourceExistsException"):
                raise
            # It exists, perhaps scheduled for deletion (AWS says InvalidRequest, moto
            # ResourceExists): restore it, or the new value would go to a deleted secret.
            # Restoring one that is not deleted is a no-op, or refused as InvalidRequest.
            try:
                manager.restore_secret(SecretId=secret_id)
            except ClientError as again:
                if _code(again) != "InvalidRequestException":
                    raise
        manager.put_secret_value(SecretId=secret_id, SecretString=values.to_json())
    except (ClientError, BotoCoreError) as exc:
        raise _failed("store", name, exc) from None
    return secret_id


def read_secret(settings: Settings, name: str, secret_id: str) -> SecretValues:
    manager = aws.client(settings, "secretsmanager")
    try:
        raw = manager.get_secret_value(SecretId=secret_id)["SecretString"]
    except (ClientError, BotoCoreError, KeyError) as exc:
        raise _failed("read", name, exc) from None
    try:
        return SecretValues.from_mapping(json.loads(raw))
    except (ValueError, InvalidKeySet):
        raise SecretStoreError(
            f"the secret of key set {name!r} is not valid key-set JSON"
        ) from None


def delete_secret(settings: Settings, name: str, secret_id: str) -> None:
    """Schedule deletion (recoverable for RECOVERY_DAYS); a missing secret is fine."""
    manager = aws.client(settings, "secretsmanager")
    try:
        manager.delete_secret(SecretId=secret_id, RecoveryWindowInDays=RECOVERY_DAYS)
    except ClientError as exc:
        if _code(exc) in ("ResourceNotFoundException", "InvalidRequestException"):
            return
        raise _failed("delete", name, exc) from None
    except BotoCoreError as exc:
        raise _failed("delete", name, exc) from None


def _code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "error"))
    return type(exc).__name__


def _failed(action: str, name: str, exc: Exception) -> SecretStoreError:
    return SecretStoreError(f"could not {action} the secret of key set {name!r} ({_code(exc)})")
