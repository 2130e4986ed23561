"""Cognito's signing keys (JWKS), fetched once and kept, behind a swappable fetcher.

Fetching the JWKS on every request would add a network round trip to each
authorisation and fail closed whenever Cognito blips. Keys are cached for an
hour; an unknown ``kid`` (Cognito rotated keys) triggers one refresh, at most
once a minute, so a flood of forged ``kid``s cannot turn into a flood of
fetches. The fetcher is a plain function: tests serve a JWKS from a local HTTP
server or hand in keys directly with :class:`StaticJwks`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

import jwt
from jwt import PyJWK

from chalicelib.auth.errors import TokenError

log = logging.getLogger(__name__)

CACHE_SECONDS: Final = 3600.0
MIN_REFRESH_SECONDS: Final = 60.0
MAX_JWKS_BYTES: Final = 100_000
FETCH_TIMEOUT: Final = 5.0

#: url -> body bytes; raises OSError when the JWKS cannot be had.
Fetch = Callable[[str], bytes]


class KeySource(Protocol):
    def key(self, kid: str) -> PyJWK:
        """The public key with id ``kid``; TokenError if there is none."""


def urllib_fetch(url: str) -> bytes:
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise OSError("a JWKS must be fetched over https")
    with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:  # noqa: S310
        body: bytes = response.read(MAX_JWKS_BYTES + 1)
    if len(body) > MAX_JWKS_BYTES:
        raise OSError("JWKS too large")
    return body


def parse_jwks(body: bytes | dict[str, Any]) -> dict[str, PyJWK]:
    """RSA signing keys by kid; anything else in the set is ignored."""
    data = json.loads(body) if isinstance(body, bytes) else body
    entries = data.get("keys") if isinstance(data, dict) else None
    keys: dict[str, PyJWK] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or not entry.get("kid"):
            continue
        if entry.get("use", "sig") != "sig":
            continue
        try:
            keys[str(entry["kid"])] = PyJWK(entry, algorithm="RS256")
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue  # a malformed key is skipped, never an authorizer crash
    return keys


class StaticJwks:
    """Keys handed in directly (tests, or a JWKS bundled with the deployment)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = parse_jwks(jwks)

    def key(self, kid: str) -> PyJWK:
        try:
            return self._keys[kid]
        except KeyError:
            raise TokenError("bad_signature", "token signed with an unknown key") from None


class CachedJwks:
    """Keys from ``url``, cached; refetched on expiry or (rate limited) on an unknown kid."""

    def __init__(
        self,
        url: str,
        fetch: Fetch = urllib_fetch,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None

    def key(self, kid: str) -> PyJWK:
        with self._lock:
            now = self._clock()
            fresh = self._fetched_at is not None and now - self._fetched_at < CACHE_SECONDS
            attempted = self._attempted_at
            may_refresh = attempted is None or now - attempted >= MIN_REFRESH_SECONDS
            if (not fresh or kid not in self._keys) and may_refresh:
                self._refresh(now)
            found = self._keys.get(kid)
            empty = not self._keys
        if found is None and empty:
            raise TokenError("unavailable", "signing keys are unavailable")
        if found is None:
            raise TokenError("bad_signature", "token signed with an unknown key")
        return found

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        try:
            keys = parse_jwks(self._fetch(self.url))
        except (OSError, ValueError) as exc:  # keep serving the keys we have (if any)
            log.warning("JWKS from %s unusable: %s", self.url, type(exc).__name__)
            return
        if not keys:
            log.warning("JWKS from %s holds no usable RSA signing key", self.url)
        self._keys = keys
        self._fetched_at = now
