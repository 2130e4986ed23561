"""Fixtures for the fake X server tests.

Every test here runs with DNS limited to loopback, so a request that escaped
the redirect towards api.twitter.com fails loudly instead of reaching X.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tools.fakex import FakeX

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOOPBACK:
            raise OSError(f"test tried to resolve {name!r}: only loopback is allowed")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


@pytest.fixture
def fake() -> Iterator[FakeX]:
    """A fake X at 200 matched tweets/s with a short keep-alive."""
    with FakeX(rate=200, keepalive=0.2) as server:
        yield server
