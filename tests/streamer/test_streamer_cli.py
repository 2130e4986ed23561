"""`streamfeed stream` as ECS runs it: real processes, signals, files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from chalicelib.core import aws
from chalicelib.core import metricnames as names
from chalicelib.core.settings import Settings, env_name
from tests.streamer.test_streamer_live import add_term, state, wait_until
from tests.support.keysets import put_keyset
from tests.support.kinesis import read_stream, tweet_ids
from tools.fakex.testing import FakeX

STREAMFEED = str(Path(sys.executable).with_name("streamfeed"))


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that makes a child process use ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMFEED_")}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if value is not None:
            env[env_name(name)] = str(value).lower() if isinstance(value, bool) else str(value)
    env.update(extra)
    return env


def start(
    settings: Settings, *args: str, log: Path | None = None, **extra: str
) -> subprocess.Popen[str]:
    """``streamfeed stream ARGS`` in the background; stderr to ``log`` to watch it live."""
    return subprocess.Popen(
        [STREAMFEED, "stream", *args],
        env=settings_env(settings, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if log is None else log.open("w"),
        text=True,
    )


def logged(log: Path, text: str) -> Callable[[], bool]:
    return lambda: log.exists() and text in log.read_text()


def sigterm_once(
    process: subprocess.Popen[str], ready: Callable[[], bool], what: str
) -> tuple[str, float]:
    """Once ``ready``, stop ``process`` as ECS does; its stderr and when the signal went."""
    try:
        wait_until(ready, timeout=60, what=what)
        signalled_at = time.time()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
    return err or "", signalled_at


def run_stream(
    settings: Settings, *args: str, stdin: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``streamfeed stream ARGS`` to completion, output captured."""
    return subprocess.run(
        [STREAMFEED, "stream", *args],
        env=settings_env(settings, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX(rate=300, keepalive=0.2, seed=5) as fake:
        yield fake


@pytest.fixture
def live(full_stage: Settings, fake_x: FakeX, tmp_path: Path) -> Settings:
    settings = full_stage.model_copy(
        update={"x_api_url": fake_x.url, "local_dir": str(tmp_path), "poll_interval": 0.5}
    )
    put_keyset(settings, "main", fake_x.bearer_token)
    add_term(settings, "t1", "python OR rust")
    return settings


def test_sigterm_flushes_everything_and_exits_zero(live: Settings, fake_x: FakeX) -> None:
    process = start(live, "main")
    err, stopped_at = sigterm_once(process, lambda: len(fake_x.ledger()) > 300, "tweets flowing")
    assert process.returncode == 0, err
    assert "Traceback" not in err
    settled = Counter(e.id for e in fake_x.ledger() if e.at < stopped_at - 1.0)
    shipped = Counter(tweet_ids(read_stream(live)))
    assert not settled - shipped
    assert state(live) == "down"


def test_standby_takes_over_after_sigkill_with_backfill(live: Settings, fake_x: FakeX) -> None:
    first = start(live, "main")
    second: subprocess.Popen[str] | None = None
    try:
        wait_until(lambda: fake_x.state()["connections"] == 1, timeout=60, what="first connects")
        second = start(live, "main")
        wait_until(lambda: len(fake_x.ledger()) > 300, what="tweets")
        assert fake_x.state()["connections"] == 1  # the standby does not connect
        killed_at = time.time()
        first.kill()
        first.communicate(timeout=10)
        wait_until(lambda: fake_x.state()["connections"] == 2, timeout=90, what="takeover")
        wait_until(lambda: state(live) == "connected", what="standby connected")
        time.sleep(1.5)
        second.send_signal(signal.SIGTERM)
        _, err = second.communicate(timeout=40)
        assert second.returncode == 0, err
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
    ledger = fake_x.ledger()
    assert any(e.kind == "backfill" for e in ledger)  # the standby asked X to re-send
    live_before_kill = {e.id for e in ledger if e.kind == "live" and e.at < killed_at}
    shipped = set(tweet_ids(read_stream(live)))
    assert live_before_kill <= shipped, "the killed holder's unshipped tweets were not recovered"


def _stream_lines(n: int) -> list[bytes]:
    lines = []
    for i in range(n):
        tweet = {"id": str(1000 + i), "text": f"tweet {i} ☃ 🦄", "author_id": "7"}
        lines.append(orjson.dumps({"data": tweet, "matching_rules": [{"id": "1", "tag": "t1"}]}))
    return lines


RETWEET = {
    "data": {
        "id": "900",
        "text": "RT @o: hi",
        "author_id": "2",
        "referenced_tweets": [{"type": "retweeted", "id": "800"}],
    },
    "includes": {
        "tweets": [{"id": "800", "text": "hi", "author_id": "1"}],
        "users": [{"id": "1", "username": "o"}],
    },
}


def test_to_file_from_file_and_stdin_round_trip(live: Settings, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = _stream_lines(50)
    source.write_bytes(b"\n".join(lines) + b"\n")
    copy = tmp_path / "copy.jsonl"
    result = run_stream(live, "--from-file", str(source), "--to-file", str(copy))
    assert result.returncode == 0, result.stderr
    assert [orjson.loads(x) for x in copy.read_bytes().splitlines()] == [
        orjson.loads(x) for x in lines
    ]
    again = tmp_path / "again.jsonl"
    result = run_stream(live, "--from-file", "-", "--to-file", str(again), stdin=copy.read_text())
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == copy.read_bytes()


def test_from_file_reports_bad_lines_and_ships_the_rest_to_kinesis(
    live: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "mixed.jsonl"
    good = _stream_lines(3)
    bare = b'{"id":"77","text":"a bare tweet object"}'
    source.write_bytes(b"\n".join([good[0], b"{oops", good[1], b"[1]", bare, good[2]]) + b"\n")
    result = run_stream(live, "--from-file", str(source))
    assert result.returncode == 0, result.stderr
    err = result.stderr.splitlines()
    assert err[0].startswith("line 2: invalid JSON")
    assert err[1].startswith("line 4: expected a JSON object")
    assert err[-1] == "read 6 lines (3 v2 stream lines, 1 v2 tweet), sent 4 tweets, 2 bad lines"
    assert tweet_ids(read_stream(live)) == ["1000", "1001", "77", "1002"]


@pytest.mark.parametrize(("capture", "expected"), [
    ("--capture-retweets", [["800"], ["900"]]),
    ("--no-capture-retweets", [["900"]]),
])  # fmt: skip
def test_capture_retweets_on_and_off(
    live: Settings, tmp_path: Path, capture: str, expected: list[list[str]]
) -> None:
    source = tmp_path / "rt.jsonl"
    source.write_bytes(orjson.dumps(RETWEET) + b"\n")
    out = tmp_path / "out.jsonl"
    result = run_stream(live, "--from-file", str(source), "--to-file", str(out), capture)
    assert result.returncode == 0, result.stderr
    written = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert [[w["data"]["id"]] for w in written] == expected
    assert all("tweets" not in w.get("includes", {}) for w in written)


@pytest.mark.parametrize(("args", "extra", "message"), [
    (["nope"], {}, "streamfeed: no key set named 'nope' (requested); known key sets: main"),
    ([], {"STREAMFEED_POLL_INTERVAL": "often"}, "streamfeed: bad setting STREAMFEED_POLL_INTERVAL"),
    ([], {"STREAMFEED_X_API_URL": "ftp://x"}, "streamfeed: bad setting STREAMFEED_X_API_URL"),
    (["--poll-interval", "0"], {}, "streamfeed: Invalid value for '--poll-interval'"),
])  # fmt: skip
def test_bad_input_is_a_one_line_error(
    live: Settings, args: list[str], extra: dict[str, str], message: str
) -> None:
    result = run_stream(live, *args, **extra)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(message), lines[0]


def test_bad_credentials_stop_without_supervision_and_restart_with_it(
    full_stage: Settings, fake_x: FakeX, tmp_path: Path
) -> None:
    settings = full_stage.model_copy(
        update={"x_api_url": fake_x.url, "local_dir": str(tmp_path), "poll_interval": 0.3}
    )
    put_keyset(settings, "main", "wrong-token")
    add_term(settings, "t1", "python")
    result = run_stream(settings)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "streamfeed: X refused the credentials (HTTP 401)"
    )

    log = tmp_path / "supervised.log"
    supervised = start(settings, "--prevent-exit", log=log)
    try:
        wait_until(logged(log, "restarting in"), timeout=60, what="a failure and a restart")
        assert supervised.poll() is None  # still alive: it restarts after the failure
        supervised.send_signal(signal.SIGTERM)
        supervised.communicate(timeout=30)
    finally:
        if supervised.poll() is None:
            supervised.kill()
    assert supervised.returncode == 0, log.read_text()


#: Runs the image's CMD from a copy of what the Dockerfile copies, as the image would:
#: the project's editable install is hidden, and the packages the image does not
#: install cannot be imported. At exit it lists the project modules it loaded.
IMAGE_BOOT = """
import atexit, importlib.abc, json, runpy, sys
staged, report, *args = sys.argv[1:]
NOT_INSTALLED = {"aws_lambda_powertools", "jwt", "cryptography", "click", "rich", "chalice",
                 "tools", "infra", "app", "tests"}
class NotInImage(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in NOT_INSTALLED:
            raise ImportError(f"the streamer image does not install {name}")
sys.meta_path = [NotInImage()] + [
    f for f in sys.meta_path if "__editable__" not in type(f).__module__]
sys.path.insert(0, staged)
def loaded():
    mods = {n: getattr(m, "__file__", None) for n, m in list(sys.modules.items())}
    ours = {n: f for n, f in mods.items() if n.split(".")[0] in {"chalicelib", "streamer"}}
    with open(report, "w") as out:
        json.dump(ours, out)
atexit.register(loaded)
sys.argv = ["streamer", *args]
runpy.run_module("streamer", run_name="__main__", alter_sys=True)
"""


def stage_image(into: Path) -> Path:
    """The files the Dockerfile copies, laid out as in the image's WORKDIR."""
    import shutil

    from infra.streamfeed_infra.streamer import image_sources

    root = Path(__file__).resolve().parents[2]
    for source in image_sources():
        target = into / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if (root / source).is_dir():
            shutil.copytree(root / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(root / source, target)
    return into


def test_the_image_program_runs_from_the_image_files_alone(
    live: Settings, fake_x: FakeX, tmp_path: Path
) -> None:
    """The Dockerfile's CMD, run from only what the Dockerfile copies: tweets reach
    Kinesis and CloudWatch, SIGTERM ends it cleanly, and nothing else was needed."""
    dockerfile = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text()
    assert 'CMD ["python", "-m", "streamer"]' in dockerfile
    staged = stage_image(tmp_path / "app")
    report = tmp_path / "loaded.json"
    process = subprocess.Popen(
        [sys.executable, "-I", "-c", IMAGE_BOOT, str(staged), str(report), "main"],
        cwd=staged,
        env=settings_env(live),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    err, _ = sigterm_once(process, lambda: len(fake_x.ledger()) > 50, "tweets")
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert state(live) == "down"
    assert len(set(tweet_ids(read_stream(live)))) > 50
    cloudwatch = aws.client(live, "cloudwatch")
    metrics = cloudwatch.list_metrics(
        Namespace=live.metrics_namespace,
        Dimensions=[{"Name": names.STAGE_DIMENSION, "Value": live.prefix}],
    )["Metrics"]
    assert {names.TWEETS_RECEIVED, names.TWEETS_SHIPPED, names.SPOOL_DEPTH} <= {
        m["MetricName"] for m in metrics
    }
    loaded = orjson.loads(report.read_bytes())
    assert "streamer.main" in loaded
    assert "chalicelib.core.keysets" in loaded
    outside = {n: f for n, f in loaded.items() if f and not f.startswith(str(staged))}
    assert outside == {}


def test_the_dockerfile_runs_as_a_user_and_holds_no_secret() -> None:
    dockerfile = (Path(__file__).resolve().parents[2] / "Dockerfile").read_text()
    assert "\nUSER streamfeed\n" in dockerfile
    assert "requirements-streamer.txt" in dockerfile
    settings_lines = [
        line for line in dockerfile.splitlines() if line.split(" ", 1)[0] in ("ENV", "ARG")
    ]
    continued = dockerfile.split("ENV ", 1)[1].split("\n\n", 1)[0]
    for line in [*settings_lines, continued]:
        assert not any(word in line.upper() for word in ("TOKEN", "SECRET", "PASSWORD"))


def test_supervised_streamer_waits_for_a_key_set(
    full_stage: Settings, fake_x: FakeX, tmp_path: Path
) -> None:
    settings = full_stage.model_copy(
        update={"x_api_url": fake_x.url, "local_dir": str(tmp_path), "poll_interval": 0.3}
    )
    add_term(settings, "t1", "python")
    log = tmp_path / "supervised.log"
    process = start(settings, "--prevent-exit", log=log)
    try:
        wait_until(logged(log, "retrying in"), timeout=60, what="no key set: retrying")
        assert process.poll() is None  # no key set yet: it waits instead of exiting
        put_keyset(settings, "main", fake_x.bearer_token)
        wait_until(lambda: fake_x.state()["connections"] == 1, timeout=30, what="connect")
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=40)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, log.read_text()


def _first_connect_kinds(settings: Settings, fake_x: FakeX, *args: str) -> set[str]:
    """Kinds of line X sends on one streamer's connection (SIGTERM once live tweets flow)."""
    offset = len(fake_x.ledger())
    process = start(settings, "main", *args)
    err, _ = sigterm_once(
        process, lambda: any(e.kind == "live" for e in fake_x.ledger(offset)), "live"
    )
    assert process.returncode == 0, err
    return {e.kind for e in fake_x.ledger(offset)}


def test_backfill_setting_asks_x_on_every_connect_and_the_flag_overrides_it(
    live: Settings, fake_x: FakeX
) -> None:
    time.sleep(1.0)  # X has a second of tweets to re-send
    configured = live.model_copy(update={"backfill_minutes": 1})
    assert _first_connect_kinds(configured, fake_x) == {"backfill", "live"}
    assert _first_connect_kinds(configured, fake_x, "--backfill-minutes", "0") == {"live"}
