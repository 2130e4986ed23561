"""``streamfeed api`` over real HTTP: a subprocess on a free port against the local
cloud answers every refusal in the API's error shape, exactly as the GatewayResponses
make API Gateway answer in AWS, and serves good requests."""

from __future__ import annotations

import http.client
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app import app
from chalicelib.api import runtime
from chalicelib.auth import mint_token, read_signing_key
from chalicelib.core.settings import Settings
from infra.streamfeed_infra.gatewayresponses import answer
from tests.chalicelib.api.support import cli_env, new_stage
from tests.conftest import PROJECT_ROOT
from tools.apiserver.server import MAX_REQUEST_BYTES, ApiClient
from tools.localcloud import LocalCloud

STREAMFEED = Path(sys.executable).with_name("streamfeed")


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: Any


@dataclass
class Server:
    settings: Settings
    process: subprocess.Popen[str]
    host: str
    port: int
    log: Path

    def token(self, user: str, *groups: str) -> str:
        key = read_signing_key(self.settings)
        return mint_token(self.settings, user, ttl_seconds=600, groups=groups, key=key)

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        return Reply(response.status, response.headers, json.loads(raw) if raw else None)


def read_url(process: subprocess.Popen[str], log: Path, timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            if "http://" in line:
                return line.split("http://", 1)[1].split()[0]
        if process.poll() is not None:
            break
    process.kill()
    process.communicate()
    raise AssertionError(f"streamfeed api did not start: {log.read_text()}")


def start(settings: Settings, log: Path) -> Server:
    """``streamfeed api --port 0`` on ``settings``' stage, as the demo launches it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMFEED_")}
    env.update(cli_env(settings))
    with log.open("w") as stderr:  # a file, not a pipe: request logs can never block it
        process = subprocess.Popen(
            [str(STREAMFEED), "api", "--port", "0"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    address = read_url(process, log, timeout=60)
    host, _, port = address.rpartition(":")
    return Server(settings, process, host, int(port), log)


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.kill()
    server.process.communicate()


@pytest.fixture(scope="module")
def stage(local_cloud: LocalCloud) -> Settings:
    return new_stage(local_cloud)


@pytest.fixture(scope="module")
def server(stage: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start(stage, tmp_path_factory.mktemp("api") / "stderr.log")
    yield running
    stop(running)


def gateway_body(kind: str) -> Any:
    return json.loads(answer(kind).body)


def test_no_header_gets_the_gateway_401_in_our_shape(server: Server) -> None:
    reply = server.call("GET", "/users/me/feed")
    assert (reply.status, reply.body) == (401, gateway_body("UNAUTHORIZED"))
    assert reply.body["error"] == "unauthorized"
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["WWW-Authenticate"] == "Bearer"


def test_a_bad_token_is_401_from_the_api(server: Server) -> None:
    for token in ("not-a-jwt", server.token("alice")[:-4] + "AAAA"):
        reply = server.call("GET", "/me", token=token)
        assert (reply.status, reply.body["error"]) == (401, "unauthorized"), reply.body
        assert reply.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_the_wrong_role_is_403(server: Server) -> None:
    alice = server.token("alice")
    for method, path in (("GET", "/terms"), ("GET", "/keysets"), ("GET", "/users/bob/feed")):
        reply = server.call(method, path, token=alice)
        assert (reply.status, reply.body["error"]) == (403, "forbidden"), (path, reply.body)


def test_unknown_routes_and_methods_get_the_gateway_404(server: Server) -> None:
    expected = (404, gateway_body("MISSING_AUTHENTICATION_TOKEN"))
    admin = server.token("root", "admin")
    for method, path, token in (
        ("GET", "/nope", None),
        ("GET", "/nope", admin),  # API Gateway: the same, token or not
        ("DELETE", "/health", None),  # a method the resource lacks
        ("PUT", "/terms", admin),
        ("GET", "/users/alice/feed/extra", admin),
    ):
        reply = server.call(method, path, token=token)
        assert (reply.status, reply.body) == expected, (method, path)


def test_a_body_over_api_gateways_limit_is_413_unread(server: Server) -> None:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.putrequest("POST", "/broadcasts")
        connection.putheader("Content-Length", str(MAX_REQUEST_BYTES + 1))
        connection.putheader("Content-Type", "application/json")
        connection.endheaders()  # no body sent: the server must not wait for it
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert (response.status, body) == (413, gateway_body("REQUEST_TOO_LARGE"))


def test_good_requests_work(server: Server) -> None:
    admin = server.token("root", "admin")
    created = server.call("POST", "/terms", token=admin, body={"value": "#served"})
    assert (created.status, created.body["value"]) == (201, "#served")
    me = server.call("GET", "/me", token=server.token("dana"))
    assert (me.status, me.body["user_id"], me.body["admin"]) == (200, "dana", False)
    subscribed = server.call(
        "POST", "/users/me/subscriptions", token=server.token("dana"), body={"value": "#served"}
    )
    assert (subscribed.status, subscribed.body["value"]) == (201, "#served")
    bad = server.call("POST", "/terms", token=admin, body={"value": ""})
    assert (bad.status, bad.body["error"]) == (400, "validation_error")
    assert server.call("GET", "/health").body["status"] == "ok"


def test_an_authorizer_that_cannot_start_denies_in_our_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its policy allows nothing: API Gateway's ACCESS_DENIED, not Chalice's body."""
    monkeypatch.setenv("STREAMFEED_AUTH_MODE", "cognito")  # with no user pool: misconfigured
    runtime.install(None)
    try:
        with ApiClient(app) as client:
            response = client.http.get("/me", headers={"Authorization": "Bearer x.y.z"})
    finally:
        runtime.install(None)
    assert (response.status_code, json.loads(response.body)) == (403, gateway_body("ACCESS_DENIED"))


def test_sigterm_stops_it_cleanly(stage: Settings, tmp_path: Path) -> None:
    server = start(stage, tmp_path / "stderr.log")
    try:
        assert server.call("GET", "/health").status == 200
        server.process.send_signal(signal.SIGTERM)
        server.process.communicate(timeout=15)
    finally:
        stop(server)
    err = server.log.read_text()
    assert server.process.returncode == 0, err
    assert err.rstrip().endswith("streamfeed API stopped")
    assert "Traceback" not in err
