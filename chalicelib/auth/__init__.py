"""Authentication: JWT verification (Cognito or local), principals, local tokens."""

from chalicelib.auth.config import AuthConfig, load_auth_config
from chalicelib.auth.errors import TokenError
from chalicelib.auth.gate import ANONYMOUS, Decision, bearer_token, decide
from chalicelib.auth.jwks import CachedJwks, KeySource, StaticJwks, urllib_fetch
from chalicelib.auth.principal import GROUPS_CLAIM, Principal
from chalicelib.auth.signing import cached_key, mint_token, read_signing_key
from chalicelib.auth.verify import (
    LOCAL_AUDIENCE,
    CognitoVerifier,
    LocalVerifier,
    Verifier,
    build_verifier,
    local_issuer,
)

__all__ = [
    "ANONYMOUS",
    "GROUPS_CLAIM",
    "LOCAL_AUDIENCE",
    "AuthConfig",
    "CachedJwks",
    "CognitoVerifier",
    "Decision",
    "KeySource",
    "LocalVerifier",
    "Principal",
    "StaticJwks",
    "TokenError",
    "Verifier",
    "bearer_token",
    "build_verifier",
    "cached_key",
    "decide",
    "load_auth_config",
    "local_issuer",
    "mint_token",
    "read_signing_key",
    "urllib_fetch",
]
