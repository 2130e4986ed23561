"""The development signing key (``<prefix>/jwt-signing-key``) and local tokens.

Local mode has no Cognito, yet the API must still run its real authorizer.
``streamfeed token`` mints HS256 tokens with the stage's own secret, so a
token only works against the stage whose Secrets Manager holds that key.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

import jwt
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.auth.errors import TokenError
from chalicelib.auth.principal import GROUPS_CLAIM
from chalicelib.auth.verify import LOCAL_AUDIENCE, local_issuer
from chalicelib.core import redact
from chalicelib.core.settings import Settings
from chalicelib.userids import check_user_id

SIGNING_SECRET: Final = "jwt-signing-key"  # noqa: S105 - a secret's name, not a secret
KEY_CACHE_SECONDS: Final = 300.0
redact.install()  # the signing key travels through Secrets Manager too


def read_signing_key(settings: Settings) -> bytes:
    from chalicelib.core import aws  # boto3: only local auth reads a key (Cognito never)

    manager = aws.client(settings, "secretsmanager")
    try:
        value = manager.get_secret_value(SecretId=settings.secret_name(SIGNING_SECRET))
    except (ClientError, BotoCoreError):
        raise TokenError("unavailable", "the development signing key is unavailable") from None
    secret = value.get("SecretString") or ""
    if len(secret) < 16:
        raise TokenError("unavailable", "the development signing key is too short")
    return secret.encode()


def cached_key(
    settings: Settings, clock: Callable[[], float] = time.monotonic
) -> Callable[[], bytes]:
    """A key getter that reads Secrets Manager at most every KEY_CACHE_SECONDS."""
    lock = threading.Lock()
    cache: dict[str, tuple[float, bytes]] = {}

    def get() -> bytes:
        with lock:
            hit = cache.get("key")
            if hit is not None and clock() - hit[0] < KEY_CACHE_SECONDS:
                return hit[1]
            key = read_signing_key(settings)
            cache["key"] = (clock(), key)
            return key

    return get


def mint_token(
    settings: Settings,
    user_id: str,
    *,
    ttl_seconds: int,
    groups: tuple[str, ...] = (),
    now: datetime | None = None,
    key: bytes | None = None,
) -> str:
    """An HS256 token for ``user_id`` valid ``ttl_seconds`` on this stage."""
    check_user_id(user_id)
    if ttl_seconds <= 0:
        raise ValueError("ttl must be positive")
    issued = int((now or datetime.now(UTC)).timestamp())
    claims = {
        "sub": user_id,
        "iss": local_issuer(settings.prefix),
        "aud": LOCAL_AUDIENCE,
        "iat": issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
        "token_use": "access",
        GROUPS_CLAIM: list(groups),
    }
    signing_key = key if key is not None else read_signing_key(settings)
    return jwt.encode(claims, signing_key, algorithm="HS256")
