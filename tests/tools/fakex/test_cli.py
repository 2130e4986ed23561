"""``streamfeed fake-x`` as an operator runs it."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

STREAMFEED = str(Path(sys.executable).with_name("streamfeed"))


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [STREAMFEED, "fake-x", *args], capture_output=True, text=True, timeout=30, check=False
    )


def test_serves_until_sigterm_with_the_given_token() -> None:
    process = subprocess.Popen(
        [STREAMFEED, "fake-x", "--port", "0", "--bearer-token", "T0K3N", "--rate", "5",
         "--seed", "7", "--keepalive", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("fake-x listening on http://127.0.0.1:")
        url = first.split()[-1]
        rules = url + "/2/tweets/search/stream/rules"
        assert requests.get(rules, headers={"Authorization": "Bearer T0K3N"}, timeout=5).ok
        assert (
            requests.get(rules, headers={"Authorization": "Bearer x"}, timeout=5).status_code == 401
        )
        state = requests.get(url + "/_fake/state", timeout=5).json()
        assert (state["rate"], state["seed"]) == (5, 7)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr


def test_port_in_use_is_one_line(busy_port: int) -> None:
    result = run("--port", str(busy_port))
    assert result.returncode == 1
    assert result.stderr == f"streamfeed: port {busy_port} on 127.0.0.1 is already in use\n"


def test_unreadable_replay_file_is_one_line(tmp_path: Path) -> None:
    result = run("--replay", str(tmp_path / "missing.jsonl"))
    assert result.returncode == 1
    assert result.stderr.startswith("streamfeed: cannot read replay file ")
    assert result.stderr.count("\n") == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "text": "fine"}\n{oops\n')
    result = run("--replay", str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith(f"streamfeed: {bad}:2: not JSON")
    assert result.stderr.count("\n") == 1
