"""Verify a bearer token and turn its claims into a :class:`Principal`.

Two verifiers, one interface. :class:`CognitoVerifier` checks a Cognito
user-pool token: RS256 only, signed by a key from the pool's JWKS, issued by
the pool, for one of our app clients (``aud`` in ID tokens, ``client_id`` in
access tokens), unexpired, with an accepted ``token_use``. :class:`LocalVerifier`
checks the HS256 development tokens ``streamfeed token`` mints with the stage's
``jwt-signing-key`` secret. Algorithms are pinned per verifier, so a token can
never choose how it is checked (no ``none``, no RS/HS confusion).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol

import jwt
from jwt.types import Options

from chalicelib.auth.config import AuthConfig
from chalicelib.auth.errors import TokenError
from chalicelib.auth.jwks import CachedJwks, KeySource
from chalicelib.auth.principal import Principal, groups_of
from chalicelib.userids import USER_ID_PATTERN, InvalidUser, check_user_id

LEEWAY_SECONDS: Final = 30
MAX_TOKEN_LENGTH: Final = 8192
LOCAL_AUDIENCE: Final = "streamfeed-local"
_REQUIRED: Final = ["exp", "iat", "iss", "sub"]


class Verifier(Protocol):
    def verify(self, token: str) -> Principal:
        """The principal the token proves, or TokenError."""


def local_issuer(prefix: str) -> str:
    """Local tokens name their stage, so one stage's token is refused by another."""
    return f"streamfeed-local/{prefix}"


class _Roles:
    def __init__(self, admin_group: str, service_group: str) -> None:
        self.admin_group = admin_group
        self.service_group = service_group

    def principal(self, claims: dict[str, Any]) -> Principal:
        sub = claims.get("sub")
        try:
            user_id = check_user_id(sub if isinstance(sub, str) else "")
        except InvalidUser:
            raise TokenError("invalid_claims", f"sub must match {USER_ID_PATTERN}") from None
        groups = groups_of(claims)
        return Principal(
            user_id=user_id,
            groups=groups,
            expires_at=int(claims["exp"]),
            admin=self.admin_group in groups,
            service=self.service_group in groups,
        )


def _decode(
    token: str, key: Any, algorithm: str, *, verify_aud: bool = True, **kwargs: Any
) -> dict[str, Any]:
    options: Options = {"require": _REQUIRED, "verify_aud": verify_aud}
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=[algorithm], leeway=LEEWAY_SECONDS, options=options, **kwargs
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("expired", "the token has expired") from None
    except jwt.InvalidSignatureError:
        raise TokenError("bad_signature", "the token signature is invalid") from None
    except (jwt.InvalidAlgorithmError, jwt.DecodeError):
        raise TokenError(
            "malformed", "the token cannot be decoded or uses another algorithm"
        ) from None
    except jwt.PyJWTError as exc:
        raise TokenError(
            "invalid_claims", f"the token's claims are not acceptable ({exc})"
        ) from None
    return claims


class LocalVerifier(_Roles):
    """HS256 tokens signed with the stage's development key (fetched lazily)."""

    def __init__(
        self,
        key: Callable[[], bytes],
        issuer: str,
        *,
        admin_group: str = "admin",
        service_group: str = "service",
    ) -> None:
        super().__init__(admin_group, service_group)
        self._key = key
        self.issuer = issuer

    def verify(self, token: str) -> Principal:
        _check_header(token, "HS256")
        claims = _decode(token, self._key(), "HS256", audience=LOCAL_AUDIENCE, issuer=self.issuer)
        return self.principal(claims)


class CognitoVerifier(_Roles):
    """RS256 Cognito user-pool tokens, keys from the pool's JWKS."""

    def __init__(
        self,
        keys: KeySource,
        issuer: str,
        client_ids: frozenset[str],
        token_uses: frozenset[str] = frozenset({"access", "id"}),
        *,
        admin_group: str = "admin",
        service_group: str = "service",
    ) -> None:
        super().__init__(admin_group, service_group)
        if not client_ids:
            raise ValueError("at least one Cognito app client id is needed")
        self._keys = keys
        self.issuer = issuer
        self.client_ids = client_ids
        self.token_uses = token_uses

    def verify(self, token: str) -> Principal:
        header = _check_header(token, "RS256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenError("malformed", "the token names no signing key")
        key = self._keys.key(kid)
        claims = _decode(token, key, "RS256", issuer=self.issuer, verify_aud=False)
        use = claims.get("token_use")
        if use not in self.token_uses:
            raise TokenError("invalid_claims", "the token's token_use is not accepted")
        audience = claims.get("aud") if use == "id" else claims.get("client_id")
        if isinstance(audience, list):
            matches = any(a in self.client_ids for a in audience)
        else:
            matches = audience in self.client_ids
        if not matches:
            raise TokenError("invalid_claims", "the token was issued for another client")
        return self.principal(claims)


def _check_header(token: str, algorithm: str) -> dict[str, Any]:
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise TokenError("malformed", "the bearer token is not a JWT")
    try:
        header: dict[str, Any] = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenError("malformed", "the bearer token is not a JWT") from None
    if header.get("alg") != algorithm:
        raise TokenError("malformed", f"the token must be signed with {algorithm}")
    return header


def build_verifier(
    config: AuthConfig, prefix: str, local_key: Callable[[], bytes], keys: KeySource | None = None
) -> Verifier:
    """The verifier ``config`` asks for; ``keys`` replaces the JWKS fetched from Cognito."""
    if config.mode == "cognito":
        return CognitoVerifier(
            keys if keys is not None else CachedJwks(config.jwks_url),
            config.issuer,
            config.client_ids,
            config.token_uses,
            admin_group=config.auth_admin_group,
            service_group=config.auth_service_group,
        )
    return LocalVerifier(
        local_key,
        local_issuer(prefix),
        admin_group=config.auth_admin_group,
        service_group=config.auth_service_group,
    )
