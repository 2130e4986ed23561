"""Cognito mode: RS256 tokens checked against a JWKS served by a local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from app import app
from chalicelib.api import runtime
from chalicelib.api.runtime import Runtime
from chalicelib.auth import AuthConfig, CachedJwks, CognitoVerifier, StaticJwks, TokenError
from chalicelib.core.settings import Settings
from tests.chalicelib.api.conftest import body_of

POOL = "us-east-1_TestPool1"
CLIENT = "client-abc"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    return {**public, "kid": kid, "alg": "RS256", "use": "sig"}


JWKS = {"keys": [jwk(KEY, "k1")]}


def cognito_token(
    private: rsa.RSAPrivateKey = KEY, kid: str = "k1", algorithm: str = "RS256", **changes: Any
) -> str:
    now = int(time.time())
    claims = {
        "sub": "6f1c-user",
        "iss": ISSUER,
        "client_id": CLIENT,
        "token_use": "access",
        "iat": now,
        "exp": now + 600,
        "cognito:groups": ["admin"],
        **changes,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    key: Any = private if algorithm == "RS256" else b"x" * 32
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = json.dumps(JWKS).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{POOL}/.well-known/jwks.json", hits
    finally:
        server.shutdown()
        server.server_close()


def verifier() -> CognitoVerifier:
    return CognitoVerifier(StaticJwks(JWKS), ISSUER, frozenset({CLIENT}))


def test_the_api_accepts_a_cognito_token_fetched_keys_once(
    stage: Settings, jwks_server: tuple[str, list[str]]
) -> None:
    url, hits = jwks_server
    config = AuthConfig(cognito_user_pool_id=POOL, cognito_client_ids=CLIENT, cognito_jwks_url=url)
    assert config.mode == "cognito" and config.issuer == ISSUER
    runtime.install(Runtime.build(stage, config))
    try:
        with Client(app) as client:
            for _ in range(3):
                token = cognito_token()
                response = client.http.get("/me", headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200
            assert body_of(response) == {
                "user_id": "6f1c-user", "admin": True, "service": False, "groups": ["admin"]
            }  # fmt: skip
            hs = cognito_token(algorithm="HS256")
            refused = client.http.get("/me", headers={"Authorization": f"Bearer {hs}"})
            assert refused.status_code == 401
    finally:
        runtime.install(None)
    assert hits == [f"/{POOL}/.well-known/jwks.json"]


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: cognito_token(exp=int(time.time()) - 120), "expired"),
        (lambda: cognito_token(iss=ISSUER + "-other"), "invalid_claims"),
        (lambda: cognito_token(client_id="someone-else"), "invalid_claims"),
        (lambda: cognito_token(token_use="refresh"), "invalid_claims"),
        (lambda: cognito_token(token_use="id", client_id=None, aud="other"), "invalid_claims"),
        (lambda: cognito_token(private=OTHER_KEY), "bad_signature"),
        (lambda: cognito_token(kid="unknown"), "bad_signature"),
        (lambda: cognito_token(algorithm="HS256"), "malformed"),
        (lambda: cognito_token(sub=None), "invalid_claims"),
        (lambda: jwt.encode({"sub": "x"}, None, algorithm="none"), "malformed"),
        (lambda: "not-a-jwt", "malformed"),
    ],
)  # fmt: skip
def test_cognito_tokens_are_checked(token: Any, reason: str) -> None:
    with pytest.raises(TokenError) as info:
        verifier().verify(token())
    assert info.value.reason == reason


def test_id_tokens_use_aud_and_groups_give_roles() -> None:
    token = cognito_token(
        token_use="id", client_id=None, aud=CLIENT, **{"cognito:groups": ["service"]}
    )
    principal = verifier().verify(token)
    assert (principal.admin, principal.service, principal.user_id) == (False, True, "6f1c-user")


def test_jwks_cache_refreshes_on_rotation_but_not_on_every_unknown_kid() -> None:
    served = [{"keys": [jwk(KEY, "k1")]}]
    calls: list[str] = []
    clock = [1000.0]

    def fetch(url: str) -> bytes:
        calls.append(url)
        return json.dumps(served[-1]).encode()

    cache = CachedJwks("https://example.invalid/jwks.json", fetch, clock=lambda: clock[0])
    assert cache.key("k1") is not None
    served.append({"keys": [jwk(KEY, "k1"), jwk(OTHER_KEY, "k2")]})
    with pytest.raises(TokenError):
        cache.key("k2")  # rotated a moment ago: refresh is rate limited
    clock[0] += 61
    assert cache.key("k2") is not None
    for _ in range(5):
        with pytest.raises(TokenError):
            cache.key("forged")
    assert len(calls) == 2


MALFORMED_JWKS = [
    b"not json",
    b"[1, 2]",
    b'{"keys": 5}',
    b'{"keys": null}',
    b'{"keys": "abc"}',
    json.dumps({"keys": [{"kty": "RSA", "kid": "k1", "n": 5, "e": "AQAB"}]}).encode(),
    json.dumps({"keys": [{"kty": "RSA", "kid": "k1", "n": "!!", "e": "AQAB"}]}).encode(),
]


@pytest.mark.parametrize("body", MALFORMED_JWKS)
def test_a_malformed_jwks_is_a_401_and_a_log_line_never_a_crash(
    stage: Settings, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    cache = CachedJwks("https://example.invalid/jwks.json", lambda url: body)
    with pytest.raises(TokenError) as refused:
        cache.key("k1")
    assert refused.value.reason == "unavailable"
    assert any("JWKS from https://example.invalid" in r.getMessage() for r in caplog.records)
    config = AuthConfig(cognito_user_pool_id=POOL, cognito_client_ids=CLIENT)
    runtime.install(Runtime.build(stage, config, keys=cache))
    try:
        with Client(app) as client:
            token = cognito_token()
            response = client.http.get("/me", headers={"Authorization": f"Bearer {token}"})
    finally:
        runtime.install(None)
    assert response.status_code == 401
    assert body_of(response)["error"] == "unauthorized"
