"""Fixtures for the HTTPS API tests: a stage with the signing key, the app, tokens.

Every test gets its own stage (fresh table prefix, its own ``jwt-signing-key``)
on the session's local cloud, and a Chalice test client whose requests go
through the real built-in authorizer and meet API Gateway's own answers
(``ApiClient``: the GatewayResponses, not Chalice's ``{"message": …}``).
Nothing reaches the real X API: unless a test brings the fake X server, calls
to X fail as if X were unreachable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.api import runtime
from chalicelib.api.runtime import Runtime
from chalicelib.auth import AuthConfig, mint_token, read_signing_key
from chalicelib.core.settings import Settings
from chalicelib.terms.xrules import HttpReply
from tools.apiserver.server import ApiClient
from tools.localcloud.bootstrap import BootstrapReport, ensure_secrets

LOCAL_AUTH = AuthConfig(auth_mode="local")


def no_x(url: str, body: bytes, headers: dict[str, str]) -> HttpReply:
    raise OSError("tests never reach the real X API")


@dataclass
class Api:
    """The app under test on one stage, with helpers to call it as someone."""

    settings: Settings
    client: Client  # an ApiClient (its __enter__ is typed as Client)
    key: bytes
    tokens: dict[tuple[str, tuple[str, ...], int], str] = field(default_factory=dict)

    def token(self, user: str, *groups: str, ttl: int = 3600) -> str:
        cache_key = (user, groups, ttl)
        if cache_key not in self.tokens:
            self.tokens[cache_key] = mint_token(
                self.settings, user, ttl_seconds=ttl, groups=groups, key=self.key
            )
        return self.tokens[cache_key]

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        return self.client.http.request(method, path, headers=sent, body=data)

    def as_user(self, user: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.call(method, path, token=self.token(user), **kwargs)

    def as_admin(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.call(method, path, token=self.token("root", "admin"), **kwargs)


def api_stage_for(stage: Settings) -> Settings:
    ensure_secrets(stage, BootstrapReport())
    return stage


@pytest.fixture
def api_stage(stage: Settings) -> Settings:
    """A stage with tables and the system's secrets (the JWT signing key)."""
    return api_stage_for(stage)


@pytest.fixture
def api(api_stage: Settings) -> Iterator[Api]:
    runtime.install(Runtime.build(api_stage, LOCAL_AUTH, x_transport=no_x))
    try:
        with ApiClient(app) as client:
            yield Api(api_stage, client, read_signing_key(api_stage))
    finally:
        runtime.install(None)


def body_of(response: Any) -> Any:
    return json.loads(response.body) if response.body else None
