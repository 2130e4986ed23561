"""The Chalice app wires /health, and the CLI lists its commands."""

from __future__ import annotations

import pytest
from chalice.test import Client

from app import app
from tools.cli import main


def test_health_reports_stage_without_touching_data() -> None:
    with Client(app) as client:
        response = client.http.get("/health")
    assert response.status_code == 200
    body = response.json_body
    assert body["status"] == "ok"
    assert body["stage"] == "dev"
    assert body["service"] == "streamfeed"


def test_unknown_route_is_a_json_error() -> None:
    with Client(app) as client:
        response = client.http.get("/nope")
    assert response.status_code == 403  # API Gateway's answer for a missing route


def test_cli_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--help"])
    out = capsys.readouterr().out
    for command in ("local", "demo", "settings"):
        assert f"  {command}" in out


def test_local_env_without_a_running_cloud(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["local", "env", "--data-dir", str(tmp_path)])
    assert info.value.code == 1
    assert capsys.readouterr().err == (
        f"streamfeed: no local cloud is running ({tmp_path}/local.env does not exist)\n"
    )


AUTHORIZER_ONLY = """
import json, sys
from chalice.app import AuthRequest
import app
answer = app.jwt_auth.func(AuthRequest("TOKEN", "Bearer not.a.jwt", "arn:aws:execute-api:x"))
heavy = [m for m in ("pynamodb", "boto3", "chalicelib.api.operations", "chalicelib.feeds")
         if m in sys.modules]
print(json.dumps({"heavy": heavy, "context": answer.context}))
"""


def test_the_authorizer_function_stays_lean() -> None:
    """Every function imports app.py: the authorizer's cold start must not pay for the rest."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMFEED_", "AWS_"))}
    env.update(
        STREAMFEED_AUTH_MODE="cognito",
        STREAMFEED_COGNITO_USER_POOL_ID="us-east-1_lean",
        STREAMFEED_COGNITO_CLIENT_IDS="lean",
        AWS_DEFAULT_REGION="us-east-1",
    )
    done = subprocess.run(
        [sys.executable, "-c", AUTHORIZER_ONLY],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["context"].get("auth_error") == "malformed"  # it did verify, and refused
    assert result["heavy"] == []
