"""Forged and tampered bearer tokens: what an attacker can make without our keys.

Each function returns the value of an ``Authorization`` header. Nothing here
uses the stage's signing key except to start from a genuine token and then
break it, so every token below must be refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

#: An attacker's own RSA key, made fresh per run.
ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64json(obj: Any) -> str:
    return b64(json.dumps(obj, separators=(",", ":")).encode())


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    pad = "=" * (-len(payload) % 4)
    claims = json.loads(base64.urlsafe_b64decode(payload + pad))
    head = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    return head, claims, signature


def bearer(token: str) -> str:
    return f"Bearer {token}"


def escalated(token: str, **changes: Any) -> str:
    """The genuine header and signature around claims the attacker rewrote."""
    head, claims, signature = parts(token)
    return bearer(f"{b64json(head)}.{b64json({**claims, **changes})}.{signature}")


def unsigned(token: str, alg: str = "none", keep_signature: bool = False) -> str:
    """``alg: none`` (or a spelling of it) over admin claims."""
    _, claims, signature = parts(token)
    head = {"alg": alg, "typ": "JWT"}
    claims = {**claims, "cognito:groups": ["admin"]}
    return bearer(f"{b64json(head)}.{b64json(claims)}.{signature if keep_signature else ''}")


def reissued(token: str, key: bytes, **changes: Any) -> str:
    """Claims changed (None removes one) and signed again with ``key`` (HS256)."""
    _, claims, _ = parts(token)
    merged = {k: v for k, v in {**claims, **changes}.items() if v is not None}
    return bearer(jwt.encode(merged, key, algorithm="HS256"))


def stripped(token: str) -> str:
    head, claims, _ = parts(token)
    return bearer(f"{b64json(head)}.{b64json(claims)}.")


def resigned(token: str, key: Any, alg: str, **headers: Any) -> str:
    """The same claims (made admin) signed with a key the attacker holds."""
    _, claims, _ = parts(token)
    claims = {**claims, "cognito:groups": ["admin"]}
    return bearer(jwt.encode(claims, key, algorithm=alg, headers=headers or None))


def hs_with_public_key(token: str, public_pem: bytes) -> str:
    """Algorithm confusion: HS256 keyed with the verifier's RSA public key.

    PyJWT refuses PEM keys as HMAC secrets, so the signature is computed by hand,
    exactly as an attacker would.
    """
    _, claims, _ = parts(token)
    claims = {**claims, "cognito:groups": ["admin"]}
    signing_input = f"{b64json({'alg': 'HS256', 'typ': 'JWT', 'kid': 'k1'})}.{b64json(claims)}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return bearer(f"{signing_input}.{b64(mac)}")


def public_pem(private: rsa.RSAPrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_jwk(private: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    return {**json.loads(RSAAlgorithm.to_jwk(private.public_key())), "kid": kid, "alg": "RS256"}


def claims_now(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iat": now, "exp": now + 600, **changes}


def deep_header_token(depth: int) -> str:
    """A token whose header is a JSON array nested ``depth`` deep."""
    header = b64(b"[" * depth + b"]" * depth)
    return bearer(f"{header}.{b64json({'sub': 'x'})}.c2ln")
