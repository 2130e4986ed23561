"""``streamfeed stream --to-file`` with no cloud at all, as real processes against the fake X.

Every ``STREAMFEED_*_ENDPOINT`` points at a port nothing listens on, so any
attempt to read the terms table or a key set, take a lease, write a status
record or publish a metric would fail (and show in the log).
"""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from chalicelib.core.settings import SERVICES, Settings
from chalicelib.terms.normalize import term_id_for
from tests.streamer.test_streamer_cli import STREAMFEED, run_stream, settings_env, sigterm_once
from tests.streamer.test_streamer_live import wait_until
from tools.fakex.testing import FakeX

RULE = "python OR rust"
#: What the log would say had the streamer tried the cloud.
CLOUD_TRIES = ("lease renewal failed", "could not write status", "could not publish metrics")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: connections to it are refused


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX(rate=300, keepalive=0.2, seed=7) as fake:
        yield fake


@pytest.fixture
def offline(fake_x: FakeX, tmp_path: Path) -> Settings:
    nowhere = f"http://127.0.0.1:{closed_port()}"
    endpoints = {f"{service}_endpoint": nowhere for service in SERVICES}
    return Settings.model_validate(
        {
            "stage": "offline",
            "x_api_url": fake_x.url,
            "local_dir": str(tmp_path / "local"),
            "poll_interval": 0.3,
            **endpoints,
        }
    )


@pytest.fixture
def token_file(fake_x: FakeX, tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(fake_x.bearer_token + "\n")
    return path


def start(
    settings: Settings, *args: str, log: Path, stdin: str | None = None, **extra: str
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [STREAMFEED, "stream", *args],
        env=settings_env(settings, **extra),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
    )
    assert process.stdin is not None
    process.stdin.write((stdin or "").encode())
    process.stdin.close()
    return process


def lines_of(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(x) for x in path.read_bytes().splitlines()] if path.exists() else []


def tags_of(line: dict[str, object]) -> set[str]:
    return {str(r["tag"]) for r in line["matching_rules"]}  # type: ignore[attr-defined]


def test_to_file_streams_the_rule_with_no_cloud(
    offline: Settings, fake_x: FakeX, token_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [STREAMFEED, "stream", "--to-file", str(out), "--rule", RULE,
         "--bearer-token-file", str(token_file)],
        env=settings_env(offline),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    err, _ = sigterm_once(process, lambda: len(lines_of(out)) > 50, "tweets in the file")
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert not [line for line in err.splitlines() if any(t in line for t in CLOUD_TRIES)], err
    tag = term_id_for(RULE)
    assert [(r["value"], r["tag"]) for r in fake_x.rules()] == [(RULE, tag)]
    written = lines_of(out)
    assert all(tags_of(line) == {tag} for line in written)
    sent = {e.id for e in fake_x.ledger()}
    assert {str(line["data"]["id"]) for line in written} <= sent  # type: ignore[index]


def test_to_stdout_with_the_token_on_stdin_and_logs_on_stderr(
    offline: Settings, fake_x: FakeX, tmp_path: Path
) -> None:
    log = tmp_path / "stderr.log"
    process = start(
        offline, "--to-file", "-", "--rule", RULE, "--bearer-token-file", "-",
        log=log, stdin=fake_x.bearer_token + "\n",
    )  # fmt: skip
    received: list[bytes] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: received.extend(process.stdout or []), daemon=True)
    reader.start()
    try:
        wait_until(lambda: len(received) > 30, what="lines on stdout")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)
        reader.join(10)
    finally:
        if process.poll() is None:
            process.kill()
    err = log.read_text()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    lines = [orjson.loads(line) for line in received]
    assert all(tags_of(line) == {term_id_for(RULE)} for line in lines)
    assert '"data"' not in err  # the tweets went to stdout only
    assert not (tmp_path / "-").exists()


def test_a_closed_stdout_stops_the_stream_cleanly(
    offline: Settings, fake_x: FakeX, token_file: Path, tmp_path: Path
) -> None:
    """``streamfeed stream --to-file - … | head``: exit 0 when the reader goes away."""
    log = tmp_path / "stderr.log"
    process = start(
        offline, "--to-file", "-", "--rule", RULE, "--bearer-token-file", str(token_file), log=log
    )
    assert process.stdout is not None
    try:
        first = [process.stdout.readline() for _ in range(5)]
        process.stdout.close()
        process.wait(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
    err = log.read_text()
    assert all(orjson.loads(line)["data"] for line in first)
    assert process.returncode == 0, err
    assert "stdout was closed by its reader" in err
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_a_rules_file_and_the_token_from_the_environment(
    offline: Settings, fake_x: FakeX, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("# what we follow\n\npython   OR rust\n#golang\n  #  indented comment\n#\n")
    out = tmp_path / "out.jsonl"
    log = tmp_path / "stderr.log"
    process = start(
        offline, "--to-file", str(out), "--rules-file", str(rules), log=log,
        STREAMFEED_BEARER_TOKEN=fake_x.bearer_token,
    )  # fmt: skip
    try:
        wait_until(lambda: len(fake_x.rules()) == 2 and len(lines_of(out)) > 10, what="rules")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, log.read_text()
    assert {r["tag"]: r["value"] for r in fake_x.rules()} == {
        term_id_for(RULE): RULE,  # normalised as the API would store it
        term_id_for("#golang"): "#golang",
    }


def test_the_sample_stream_offline_needs_no_rules(
    offline: Settings, fake_x: FakeX, token_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sample.jsonl"
    log = tmp_path / "stderr.log"
    process = start(
        offline, "--sample", "--to-file", str(out), "--bearer-token-file", str(token_file), log=log
    )
    try:
        wait_until(lambda: len(lines_of(out)) > 10, what="sample tweets")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, log.read_text()
    assert fake_x.rules() == []
    assert {e.stream for e in fake_x.ledger()} == {"sample"}


@pytest.mark.parametrize(("token", "message"), [
    (None, "streamfeed: no bearer token: give --bearer-token-file PATH (or - for stdin) or set "
           "STREAMFEED_BEARER_TOKEN"),
    ("", "streamfeed: no bearer token: the first line of"),
    ("missing", "streamfeed: cannot read the bearer token from"),
])  # fmt: skip
def test_a_missing_token_is_a_one_line_error(
    offline: Settings, tmp_path: Path, token: str | None, message: str
) -> None:
    args = ["--to-file", str(tmp_path / "out.jsonl"), "--rule", RULE]
    if token == "missing":
        args += ["--bearer-token-file", str(tmp_path / "no-such-file")]
    elif token is not None:
        (tmp_path / "empty").write_text(token)
        args += ["--bearer-token-file", str(tmp_path / "empty")]
    result = run_stream(offline, *args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--rule", RULE], "need --to-file PATH|-"),
    (["main", "--rule", RULE, "--to-file", "-"], "KEYS_NAME reads a key set from the cloud"),
    (["--sample", "--rule", RULE, "--to-file", "-"], "--sample reads the unfiltered sample"),
    (["--bearer-token-file", "-", "--to-file", "-"], "offline, the rules come from --rule"),
    (["--from-file", "-", "--rule", RULE, "--to-file", "-"], "--from-file replays a file"),
    (["--rule", " ", "--to-file", "-", "--bearer-token-file", "-"], "a rule is empty"),
])  # fmt: skip
def test_offline_options_that_do_not_fit_together_are_one_line(
    offline: Settings, args: list[str], message: str
) -> None:
    result = run_stream(offline, *args, stdin="a-token\n")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


@pytest.mark.parametrize("args", [
    ["--capture-retweets"],
    ["--no-capture-retweets"],
    ["--from-file", "-", "--capture-retweets"],
])  # fmt: skip
def test_capture_retweets_with_kinesis_says_the_consumer_decides(
    offline: Settings, args: list[str]
) -> None:
    """With Kinesis the consumer's setting decides: the flag is refused, not ignored."""
    result = run_stream(offline, *args, stdin="")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    flag = next(a for a in args if "capture" in a)
    assert lines[0] == (
        f"streamfeed: {flag} applies to --to-file only: with Kinesis, the consumer's "
        "STREAMFEED_CAPTURE_RETWEETS decides whether retweets' originals are stored"
    )
