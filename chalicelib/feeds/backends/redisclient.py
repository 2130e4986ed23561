"""One Valkey client (and connection pool) per process and server, with timeouts and retries.

valkey-py is the Valkey project's own client (a maintained fork of redis-py
with the same API); it speaks to Valkey and Redis alike. A Lambda container
keeps its process between invocations, so the pool built on the first call is
reused by every later one. Credentials from Secrets Manager
(``STREAMFEED_REDIS_SECRET``, set by the CDK app) override the URL's.
"""

from __future__ import annotations

import json
from typing import Final

from valkey import Valkey
from valkey.backoff import ExponentialBackoff
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError
from valkey.retry import Retry

from chalicelib.core.lazy import ProcessCache
from chalicelib.core.settings import Settings
from chalicelib.feeds.errors import FeedConfigError

#: Backoff between retries: 0.05 s doubling up to 1 s, with jitter.
BACKOFF_BASE: Final = 0.05
BACKOFF_CAP: Final = 1.0

_CLIENTS: ProcessCache[tuple[object, ...], Valkey] = ProcessCache()


def client_for(settings: Settings) -> Valkey:
    """The process's client for ``settings``' server (built once, then shared)."""
    if not settings.redis_url:
        raise FeedConfigError(
            "the redis backend needs STREAMFEED_REDIS_URL (redis:// or rediss://)"
        )
    options = (
        settings.redis_url,
        settings.redis_secret,
        settings.redis_timeout,
        settings.redis_retries,
        settings.redis_max_connections,
    )
    return _CLIENTS.get(options, lambda: _build(settings))


def _build(settings: Settings) -> Valkey:
    """A client and its pool; the secret, if any, is read once, here."""
    username, password = _credentials(settings)
    extra: dict[str, object] = {}
    if username is not None:
        extra["username"] = username
    if password is not None:
        extra["password"] = password
    retry = Retry(ExponentialBackoff(cap=BACKOFF_CAP, base=BACKOFF_BASE), settings.redis_retries)
    try:
        return Valkey.from_url(
            settings.redis_url or "",
            socket_timeout=settings.redis_timeout,
            socket_connect_timeout=settings.redis_timeout,
            retry=retry,
            retry_on_error=[ValkeyConnectionError, ValkeyTimeoutError],
            max_connections=settings.redis_max_connections,
            health_check_interval=30,
            decode_responses=True,
            **extra,
        )
    except ValueError as exc:
        raise FeedConfigError(f"STREAMFEED_REDIS_URL is not usable: {exc}") from None


def _credentials(settings: Settings) -> tuple[str | None, str | None]:
    """(username, password) from the secret, or (None, None) to use the URL's."""
    if not settings.redis_secret:
        return None, None
    from chalicelib.core import aws

    reply = aws.client(settings, "secretsmanager").get_secret_value(SecretId=settings.redis_secret)
    try:
        values = json.loads(reply["SecretString"])
        return str(values.get("username") or "default"), str(values["password"])
    except (KeyError, TypeError, ValueError):
        raise FeedConfigError(
            'STREAMFEED_REDIS_SECRET must hold JSON {"username": …, "password": …}'
        ) from None
