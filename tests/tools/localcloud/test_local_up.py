"""`streamfeed local up` as a user runs it: a real process, signals, restarts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import boto3
import psutil

from chalicelib.core.settings import Settings
from chalicelib.feeds import StreamItem
from chalicelib.feeds.backends.redis import RedisBackend
from chalicelib.feeds.protocol import ReadWindow
from tools.localcloud import envfile

STREAMFEED = str(Path(sys.executable).with_name("streamfeed"))


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMFEED_")}
    env.update(extra)
    return env


@contextmanager
def local_up(
    data_dir: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """Run `streamfeed local up` until local.env appears; always reap it."""
    process = subprocess.Popen(
        [STREAMFEED, "local", "up", "--data-dir", str(data_dir), *args],
        env=env or _clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        env_file = data_dir / "local.env"
        deadline = time.monotonic() + 90
        while not env_file.exists():
            if process.poll() is not None:
                raise AssertionError(f"local up exited: {process.communicate()[1]}")
            if time.monotonic() > deadline:
                raise AssertionError("local.env never appeared")
            time.sleep(0.1)
        yield process, envfile.read(env_file)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def _clients(env: dict[str, str]) -> dict[str, object]:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=env["AWS_REGION"]
    )
    return {
        service: session.client(  # type: ignore[call-overload]
            service, endpoint_url=env[f"STREAMFEED_{service.upper()}_ENDPOINT"]
        )
        for service in ("dynamodb", "kinesis", "secretsmanager", "ssm")
    }


def _stop(process: subprocess.Popen[str], sig: signal.Signals) -> tuple[int, str]:
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    return process.returncode, err


def test_env_file_sigterm_no_orphans_and_restart_keeps_data(tmp_path: Path) -> None:
    with local_up(tmp_path) as (process, env):
        assert env["STREAMFEED_DYNAMODB_ENDPOINT"].startswith("http://127.0.0.1:")
        assert env["AWS_ACCESS_KEY_ID"] and env["AWS_REGION"]
        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= 3

        c = _clients(env)
        c["dynamodb"].put_item(  # type: ignore[attr-defined]
            TableName="streamfeed-dev-users",
            Item={"user_id": {"S": "alice"}, "created_at": {"S": "2026-11-22"}},
        )
        c["kinesis"].put_record(  # type: ignore[attr-defined]
            StreamName="streamfeed-dev-tweets", Data=b"tweet-1", PartitionKey="k"
        )
        c["secretsmanager"].create_secret(  # type: ignore[attr-defined]
            Name="streamfeed-dev/keysets/main", SecretString='{"bearer_token": "s3cret"}'
        )
        c["ssm"].put_parameter(  # type: ignore[attr-defined]
            Name="/streamfeed/dev/default-keys", Value="main", Type="String"
        )
        assert env["STREAMFEED_REDIS_URL"].startswith("redis://127.0.0.1:")
        feeds = RedisBackend(Settings(feed_backend="redis", redis_url=env["STREAMFEED_REDIS_URL"]))
        feeds.add(["alice"], StreamItem("i1", "kept", datetime(2026, 11, 22, tzinfo=UTC)))
        time.sleep(1.5)  # kinesis-mock persists every second (valkey's AOF too)
        code, err = _stop(process, signal.SIGTERM)

    assert code == 0, err
    assert "Traceback" not in err
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []
    assert not (tmp_path / "local.env").exists()

    with local_up(tmp_path) as (process, env):
        c = _clients(env)
        item = c["dynamodb"].get_item(  # type: ignore[attr-defined]
            TableName="streamfeed-dev-users", Key={"user_id": {"S": "alice"}}
        )
        assert item["Item"]["created_at"]["S"] == "2026-11-22"
        kinesis = c["kinesis"]
        shard = kinesis.list_shards(StreamName="streamfeed-dev-tweets")["Shards"][0]  # type: ignore[attr-defined]
        iterator = kinesis.get_shard_iterator(  # type: ignore[attr-defined]
            StreamName="streamfeed-dev-tweets",
            ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        records = kinesis.get_records(ShardIterator=iterator)["Records"]  # type: ignore[attr-defined]
        assert [r["Data"] for r in records] == [b"tweet-1"]
        secret = c["secretsmanager"].get_secret_value(  # type: ignore[attr-defined]
            SecretId="streamfeed-dev/keysets/main"
        )
        assert secret["SecretString"] == '{"bearer_token": "s3cret"}'
        parameter = c["ssm"].get_parameter(Name="/streamfeed/dev/default-keys")  # type: ignore[attr-defined]
        assert parameter["Parameter"]["Value"] == "main"
        feeds = RedisBackend(Settings(feed_backend="redis", redis_url=env["STREAMFEED_REDIS_URL"]))
        assert [i.content for i in feeds.read("alice", ReadWindow(limit=5))] == ["kept"]
        code, err = _stop(process, signal.SIGINT)  # Ctrl-C
    assert code == 0, err
    assert "Traceback" not in err


def test_parent_killed_leaves_no_orphans(tmp_path: Path) -> None:
    with local_up(tmp_path) as (process, _):
        children = psutil.Process(process.pid).children(recursive=True)
        process.kill()
    _gone, alive = psutil.wait_procs(children, timeout=15)
    assert alive == []


def test_second_instance_on_same_data_dir_is_refused(tmp_path: Path) -> None:
    with local_up(tmp_path) as (process, _):
        second = subprocess.run(
            [STREAMFEED, "local", "up", "--data-dir", str(tmp_path)],
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert second.stderr.strip().splitlines() == [
            f"streamfeed: a local cloud is already running from {tmp_path} (pid {process.pid})"
        ]
        _stop(process, signal.SIGTERM)


def _run_up(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [STREAMFEED, "local", "up", "--data-dir", str(tmp_path), *args],
        env=env or _clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_port_in_use_is_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run_up(tmp_path, "--dynamodb-port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"streamfeed: port {port} for dynamodb is already in use"
    ]


def test_missing_node_is_one_line_error(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # A PATH with python but no node.
    (bin_dir / "python").symlink_to(sys.executable)
    result = _run_up(tmp_path / "data", env=_clean_env(PATH=str(bin_dir)))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "streamfeed: Node.js 20+ is needed for the local cloud, but `node` is not on PATH"
    ]


def test_server_not_answering_in_time_is_one_line_error(tmp_path: Path) -> None:
    result = _run_up(tmp_path, "--timeout", "0.01")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "did not answer" in lines[0], lines
    assert not (tmp_path / "local.env").exists()


def test_bad_setting_is_one_line_error(tmp_path: Path) -> None:
    result = _run_up(tmp_path, env=_clean_env(STREAMFEED_POLL_INTERVAL="soon"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "streamfeed: bad setting STREAMFEED_POLL_INTERVAL: Input should be a valid number, "
        "unable to parse string as a number (got 'soon')"
    ]
