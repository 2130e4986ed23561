"""``streamfeed consume`` as an operator runs it: a process, stopped by SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from app import consume_tweets
from chalicelib.core import aws
from chalicelib.core.settings import Settings, env_name
from chalicelib.status.reader import current_status
from tests.chalicelib.consumer.conftest import stored_tweets
from tests.chalicelib.consumer.support import Lines, record
from tests.conftest import PROJECT_ROOT
from tools.eventsource.checkpoints import Checkpoints
from tools.eventsource.runner import HandlerError, load_handler

STREAMFEED = PROJECT_ROOT / ".venv" / "bin" / "streamfeed"


def stage_env(settings: Settings) -> dict[str, str]:
    """The process environment plus the STREAMFEED_* variables of ``settings``' stage."""
    env = dict(os.environ)
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if value is not None:
            env[env_name(name)] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def put(settings: Settings, count: int, lines: Lines) -> None:
    """``count`` records of two tweets each."""
    kinesis = aws.client(settings, "kinesis")
    for _ in range(count):
        data = record([lines.line(["alpha"]), lines.line(["beta"])])
        kinesis.put_record(StreamName=settings.kinesis_stream, Data=data, PartitionKey="k")


def emf_counts_raw(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if '"_aws"' in line]


def stored_last_hour(settings: Settings) -> int | None:
    """TweetsStored over the last hour, as ``GET /status`` reports it from CloudWatch."""
    stored: int | None = current_status(settings)["throughput"]["stored"]["last_hour"]
    return stored


def wait_for(settings: Settings, tweets: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while len(stored_tweets(settings)) < tweets:
        assert process.poll() is None, "the consumer exited early"
        assert time.monotonic() < deadline, "the consumer did not store the tweets"
        time.sleep(0.3)


def test_sigterm_stops_cleanly_and_a_restart_replays_nothing(
    full_stage: Settings, tmp_path: Path
) -> None:
    lines = Lines()
    put(full_stage, 4, lines)
    env = stage_env(full_stage)
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [str(STREAMFEED), "consume", "--poll-interval", "0.2"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            wait_for(full_stage, 8, process)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
    summary = err.read_text()
    assert f"consuming {full_stage.kinesis_stream}" in summary
    assert "4 records in" in summary
    # Metrics went to stdout in EMF, as on Lambda, and (put on stopping) to the local
    # CloudWatch, where the status report reads them.
    assert sum(doc["TweetsStored"][0] for doc in emf_counts_raw(out.read_text())) == 8
    assert stored_last_hour(full_stage) == 8

    # Records written while it was down are read on the next start; nothing else is.
    put(full_stage, 1, lines)
    again = subprocess.run(
        [str(STREAMFEED), "consume", "--until-idle", "--poll-interval", "0.2"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr.decode()
    assert "1 records in 1 invocations" in again.stderr.decode()
    assert len(stored_tweets(full_stage)) == 10
    assert stored_last_hour(full_stage) == 10
    # When something else forwards the EMF lines, the runner leaves CloudWatch alone.
    put(full_stage, 1, lines)
    quiet = subprocess.run(
        [str(STREAMFEED), "consume", "--until-idle", "--no-cloudwatch-metrics"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert quiet.returncode == 0, quiet.stderr.decode()
    assert sum(doc["TweetsStored"][0] for doc in emf_counts_raw(quiet.stdout.decode())) == 2
    assert stored_last_hour(full_stage) == 10
    [checkpoint] = Checkpoints(full_stage, full_stage.kinesis_stream).all().values()
    assert checkpoint.sequence is not None


def test_the_handler_must_listen_to_the_configured_stream(full_stage: Settings) -> None:
    other = full_stage.model_copy(update={"stream_name": "someone-elses-tweets"})
    with pytest.raises(HandlerError, match="listens to stream 'streamfeed-dev-tweets'"):
        load_handler("app:consume_tweets", PROJECT_ROOT, other)
    with pytest.raises(HandlerError, match="no handler 'nope'"):
        load_handler("app:nope", PROJECT_ROOT, full_stage)
    assert load_handler("app:consume_tweets", PROJECT_ROOT, Settings()) is consume_tweets
