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
