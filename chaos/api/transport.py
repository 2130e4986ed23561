"""Send one raw request to the API, in process or over HTTP, and get the raw answer.

Hostile cases need bytes on the wire exactly as written (invalid UTF-8, raw
percent-escapes, huge bodies), so both transports take bytes and never
re-encode: :class:`InProcess` drives the app through Chalice's local gateway
(the built-in authorizer really runs), :class:`Http` speaks HTTP/1.1 with
``http.client`` to a running server such as ``chalice local``.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from chalice.test import Client

from app import app
from chalicelib.api import runtime
from chalicelib.api.runtime import Runtime


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


class Transport(Protocol):
    name: str

    def send(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> Reply: ...


class InProcess:
    """The app in this process, as the Chalice test client runs it (authorizer included)."""

    name = "in-process"

    def __init__(self) -> None:
        self._client = Client(app)

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        response: Any = self._client.http.request(method, path, headers=headers, body=body or b"")
        raw = response.body
        data = raw if isinstance(raw, bytes) else str(raw or "").encode()
        return Reply(response.status_code, _lower(response.headers), data)


class Http:
    """A running API server at ``base_url``; one connection per request."""

    name = "http"

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body or b"")))
            connection.endheaders(body or None)
            response = connection.getresponse()
            data = response.read()
            return Reply(response.status, _lower(dict(response.getheaders())), data)
        finally:
            connection.close()


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in dict(headers or {}).items()}


@contextmanager
def installed(api_runtime: Runtime) -> Iterator[Runtime]:
    """Serve requests in this process with ``api_runtime`` (stage, verifier)."""
    runtime.install(api_runtime)
    try:
        yield api_runtime
    finally:
        runtime.install(None)
