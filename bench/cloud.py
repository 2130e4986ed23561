"""The servers a benchmark runs against: the local cloud, stages on it, a fake X process.

Every benchmark gets a fresh stage (its own name prefix, so its own tables and
stream) on one local cloud, like the tests do. The fake X runs as its own
process (``streamfeed fake-x``) so that its CPU is never counted as the
client's, and a client measured in its own process sees the real socket.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from valkey import Valkey

from bench.harness import STREAMFEED, env_without_proxies
from chalicelib.core import aws, resources
from chalicelib.core.settings import Settings, env_name
from tools.fakex.testing import FakeXClient
from tools.localcloud import LocalCloud, LocalCloudConfig
from tools.localcloud.bootstrap import BootstrapReport, bootstrap, ensure_tables

#: Filter terms every benchmark streams: (rule value, tag = term id).
RULES: Final = (
    ("python", "term-python"),
    ("#ai", "term-ai"),
    ("cats OR dogs", "term-pets"),
    ("coffee", "term-coffee"),
    ("rain", "term-weather"),
)
TERM_IDS: Final = tuple(tag for _, tag in RULES)


def _refuse_if_running(data_dir: Path) -> None:
    """Raise if another run's cloud holds ``data_dir``: wiping it would break that run."""
    lock = data_dir / "local.lock"
    if not lock.exists():
        return
    with lock.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RuntimeError(
                f"another benchmark run (pid {holder}) has its local cloud in {data_dir}; "
                "wait for it to finish"
            ) from None
        fcntl.flock(handle, fcntl.LOCK_UN)


class BenchCloud:
    """A local cloud (started here, or one a test session already runs) and its stages."""

    def __init__(self, cloud: LocalCloud | None = None, data_dir: Path | None = None) -> None:
        self._owned = cloud is None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.created: list[Settings] = []
        if cloud is None:
            if data_dir is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="streamfeed-bench-")
                data_dir = Path(self._tmp.name) / "cloud"
            else:
                _refuse_if_running(data_dir)
                shutil.rmtree(data_dir, ignore_errors=True)  # a fresh cloud; logs kept after
            # Nothing of it outlives the run, so kinesis-mock keeps its state in memory:
            # persisting it every second costs a core once millions of tweets went
            # through, and its heap ran out in the 5-minute end-to-end run.
            config = LocalCloudConfig(data_dir=data_dir, persist_kinesis=False)
            cloud = LocalCloud(config, Settings(name_prefix="bench"))
        self.cloud = cloud

    def __enter__(self) -> BenchCloud:
        if self._owned:
            self.cloud.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._owned:
            self.cloud.stop(save=False)
        if self._tmp is not None:
            self._tmp.cleanup()

    def stage(self, *, shards: int = 1, stream: bool = True, **changes: Any) -> Settings:
        """Settings of a fresh stage; every resource exists (tables only without ``stream``)."""
        prefix = f"b{uuid.uuid4().hex[:10]}"
        settings = self.cloud.settings(name_prefix=prefix, stream_shards=shards, **changes)
        self.created.append(settings)
        if stream:
            bootstrap(settings)
        else:
            ensure_tables(settings, BootstrapReport())
        return settings

    def release(self) -> None:
        """Delete the streams and tables of every stage made so far.

        kinesis-mock keeps every record in memory for the stream's retention, and
        the benchmarks put millions of tweets through it: without this it runs out
        of heap in a full run.
        """
        for settings in self.created:
            with contextlib.suppress(Exception):
                aws.client(settings, "kinesis").delete_stream(
                    StreamName=settings.kinesis_stream, EnforceConsumerDeletion=True
                )
            ddb = aws.client(settings, "dynamodb")
            for spec in resources.TABLES:
                with contextlib.suppress(Exception):
                    ddb.delete_table(TableName=settings.table_name(spec.logical))
            if settings.redis_url:  # the redis backend's feeds, by the stage's key prefix
                with contextlib.suppress(Exception):
                    client = Valkey.from_url(settings.redis_url)
                    for key in client.scan_iter(match=f"{settings.redis_prefix}*", count=1000):
                        client.unlink(key)
                    client.close()
        self.created = []

    def dead_server(self) -> str | None:
        """The emulator that died, with the end of its log, if one did."""
        dead = self.cloud.dead_process()
        return None if dead is None else f"{dead.name} died: {dead.log_tail(8)}"

    def env(self, settings: Settings, **extra: str) -> dict[str, str]:
        """Environment for a child process that should reach ``settings``' stage."""
        env = env_without_proxies()
        env.update(self.cloud.env)
        env[env_name("name_prefix")] = settings.prefix
        env[env_name("stream_shards")] = str(settings.stream_shards)
        env.update(extra)
        return env


class FakeXProcess:
    """``streamfeed fake-x`` in a child process; ``client`` speaks its control API."""

    def __init__(
        self, rate: float, *, seed: int = 0, keepalive: float = 5.0, port: int = 0
    ) -> None:
        self.process = subprocess.Popen(
            [STREAMFEED, "fake-x", "--rate", str(rate), "--seed", str(seed),
             "--keepalive", str(keepalive), "--port", str(port)],
            stdout=subprocess.PIPE,
            text=True,
            env=env_without_proxies(),
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"http://\S+", line)
        if found is None:
            self.process.kill()
            raise RuntimeError(f"fake-x did not start: {line!r}")
        self.url = found.group(0)
        self.client = FakeXClient(self.url)

    def add_rules(self, rules: tuple[tuple[str, str], ...] = RULES) -> None:
        self.client.add_rules(*rules)

    def wait_closed(self, timeout: float = 10.0) -> None:
        """Until the fake has seen the last client go (it serves one connection per stream)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.client.state()["open"]["filtered"]:
                return
            time.sleep(0.05)
        raise RuntimeError("fake-x still holds the previous stream connection")

    def sent(self) -> int:
        return int(self.client.state()["sent"])

    def stop(self) -> None:
        self.client.session.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> FakeXProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
