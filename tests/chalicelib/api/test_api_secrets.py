"""No secret ever appears in a response or a log line, whatever the route."""

from __future__ import annotations

import logging

import pytest

from chalicelib.api.operations import OPERATIONS
from chalicelib.core.keysets import resolve_keyset
from tests.chalicelib.api.conftest import Api, body_of

SECRETS = {
    "bearer_token": "BEARERsecretVALUE0123456789wxyz",
    "consumer_key": "CONSUMERkeySECRET42",
    "consumer_secret": "CONSUMERsecretSECRET42",
    "access_token": "ACCESStokenSECRET42",
    "access_token_secret": "ACCESSsecretSECRET42",
}


def test_no_route_and_no_log_line_reveals_a_secret(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def call(method: str, path: str, **kwargs: object) -> None:
        response = api.as_admin(method, path, **kwargs)
        seen.append(response.body.decode(errors="replace"))
        seen.append(str(response.headers))

    call("POST", "/keysets", body={"name": "main", **SECRETS})
    call("POST", "/keysets", body={"name": "main", **SECRETS})  # 409
    call("PUT", "/keysets/main", body=SECRETS)
    call("PUT", "/keysets/missing", body=SECRETS)  # 404
    call("POST", "/keysets", body={"name": "bad name!", **SECRETS})  # 400
    call("POST", "/keysets", body={"name": "x", **SECRETS, "bearer_token": "tiny"})
    call(
        "POST",
        "/keysets",
        raw=b'{"name": "x", "bearer_token": "' + SECRETS["bearer_token"].encode(),
    )
    assert resolve_keyset(api.settings, None).bearer_token == SECRETS["bearer_token"]
    call("POST", "/terms", body={"value": "#secrets"})  # dry run with the key set (X unreachable)
    term = body_of(api.as_admin("GET", "/terms"))["items"][0]["term_id"]
    values = {"term_id": term, "name": "main", "user_id": "root", "tweet_id": "1"}
    for op in OPERATIONS:
        if op.method == "GET":
            call("GET", op.path.format(**values))
    call("DELETE", "/keysets/main")
    logged = caplog.text + "\n".join(repr(r.__dict__) for r in caplog.records)
    assert "****wxyz" in "\n".join(seen)  # the hint is the only trace
    for name, secret in SECRETS.items():
        for text in seen:
            assert secret not in text, name
        assert secret not in logged, name
    assert len(caplog.records) > 10  # the log was really captured
