"""Pieces of the local cloud that need no server: env file and ports."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tools.localcloud import LocalCloudError, envfile
from tools.localcloud.ports import claim, free_port


def test_env_file_round_trips_and_is_shell_safe(tmp_path: Path) -> None:
    env = {"B_URL": "http://127.0.0.1:1234", "A_ODD": "it's $HOME; rm -rf /", "EMPTY": ""}
    path = tmp_path / "local.env"
    envfile.write(path, env)
    text = path.read_text()
    assert text.splitlines()[0].startswith("A_ODD=")  # sorted, stable
    assert "B_URL=http://127.0.0.1:1234" in text.splitlines()
    assert envfile.read(path) == env


def test_claim_refuses_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(LocalCloudError, match=f"port {port} for kinesis is already in use"):
            claim("127.0.0.1", port, "kinesis")


def test_claim_zero_picks_a_free_port_and_checks_range() -> None:
    port = claim("127.0.0.1", 0, "x")
    assert 0 < port < 65536
    assert claim("127.0.0.1", free_port(), "x") > 0
    with pytest.raises(LocalCloudError, match="not a valid port"):
        claim("127.0.0.1", 70000, "x")


def test_claim_accepts_a_port_whose_last_connection_is_closing() -> None:
    """A restart on a fixed port must not fail while old connections sit in TIME_WAIT."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its end enters TIME_WAIT
        client.close()
    assert claim("127.0.0.1", port, "dynamodb") == port
