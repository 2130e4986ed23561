"""Start, bootstrap, watch and stop the local cloud as one unit.

``streamfeed local up`` and the integration tests' session fixture both use
this class, so the tests exercise exactly what a developer runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from chalicelib.core import aws
from chalicelib.core.settings import SERVICES, Settings, env_name, load_settings
from tools.localcloud import envfile, servers, snapshot
from tools.localcloud.bootstrap import BootstrapReport, bootstrap
from tools.localcloud.errors import LocalCloudError
from tools.localcloud.ports import claim
from tools.localcloud.processes import ManagedProcess

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalCloudConfig:
    """Where the data lives and which ports to use (0 = any free port)."""

    data_dir: Path = Path(".streamfeed")
    host: str = "127.0.0.1"
    dynamodb_port: int = 0
    kinesis_port: int = 0
    moto_port: int = 0
    valkey_port: int = 0
    start_timeout: float = 90.0
    #: kinesis-mock writes its state to ``data_dir`` every second (False: memory only).
    persist_kinesis: bool = True
    node_modules: Path = field(default_factory=lambda: PROJECT_ROOT / "node_modules")

    @property
    def env_file(self) -> Path:
        return self.data_dir / "local.env"


class LocalCloud:
    """The emulators as child processes, plus the resources ``bootstrap`` creates."""

    def __init__(self, config: LocalCloudConfig, settings: Settings | None = None) -> None:
        self.config = config
        self.base_settings = settings or load_settings()
        self.processes: list[ManagedProcess] = []
        self.env: dict[str, str] = {}
        self.report: BootstrapReport | None = None
        self._lock: IO[str] | None = None

    # -- lifecycle -------------------------------------------------------
    def start(self) -> dict[str, str]:
        """Start every server, bootstrap, write ``local.env``; returns that env."""
        try:
            self._start()
        except BaseException:
            self.stop(save=False)
            raise
        return self.env

    def _start(self) -> None:
        cfg = self.config
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        node = servers.find_node()
        # boto3 needs some credentials; the emulators accept any.
        for key, value in servers.DUMMY_CREDENTIALS.items():
            os.environ.setdefault(key, value)
        host = cfg.host
        ports = servers.Ports(
            dynamodb=claim(host, cfg.dynamodb_port, "dynamodb"),
            kinesis=claim(host, cfg.kinesis_port, "kinesis"),
            kinesis_tls=claim(host, 0, "kinesis tls"),
            moto=claim(host, cfg.moto_port, "moto"),
            valkey=claim(host, cfg.valkey_port, "valkey"),
        )
        logs = cfg.data_dir / "logs"
        region = self.base_settings.region
        dynalite = servers.dynalite(
            node=node,
            node_modules=cfg.node_modules,
            host=host,
            port=ports.dynamodb,
            data=cfg.data_dir / "dynamodb",
            logs=logs,
        )
        kinesis = servers.kinesis_mock(
            node=node,
            node_modules=cfg.node_modules,
            port=ports.kinesis,
            tls_port=ports.kinesis_tls,
            data=cfg.data_dir / "kinesis",
            logs=logs,
            region=region,
            persist=cfg.persist_kinesis,
        )
        moto = servers.moto_server(host, ports.moto, logs)
        valkey = servers.valkey_server(
            binary=servers.find_valkey(),
            host=host,
            port=ports.valkey,
            data=cfg.data_dir / "valkey",
            logs=logs,
        )
        self.processes = [dynalite, kinesis, moto, valkey]
        for process in self.processes:
            process.start()
        urls = {
            "dynamodb": f"http://{host}:{ports.dynamodb}",
            "kinesis": f"http://{host}:{ports.kinesis}",
            "moto": f"http://{host}:{ports.moto}",
            "redis": f"redis://{host}:{ports.valkey}/0",
        }
        deadline = time.monotonic() + cfg.start_timeout
        servers.wait_until_ready(dynalite, "dynamodb", urls["dynamodb"], region, deadline)
        servers.wait_until_ready(moto, "secretsmanager", urls["moto"], region, deadline)
        servers.wait_until_ready(kinesis, "kinesis", urls["kinesis"], region, deadline)
        servers.wait_until_valkey_ready(valkey, urls["redis"], deadline)
        self.env = self._environment(urls)
        settings = self.settings()
        snapshot.restore(settings, self.snapshot_path)
        self.report = bootstrap(settings)
        snapshot.save(settings, self.snapshot_path)
        envfile.write(cfg.env_file, self.env)

    def stop(self, *, save: bool = True) -> None:
        """Save moto's state, stop every child, remove ``local.env``."""
        if save and self.env and self.running():
            with contextlib.suppress(Exception):
                snapshot.save(self.settings(), self.snapshot_path)
        with contextlib.suppress(FileNotFoundError):
            if self.env:
                self.config.env_file.unlink()
        aws.close_clients()
        for process in reversed(self.processes):
            process.stop()
        self.processes = []
        self.env = {}
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- while running ---------------------------------------------------
    def running(self) -> bool:
        return bool(self.processes) and all(p.alive() for p in self.processes)

    def dead_process(self) -> ManagedProcess | None:
        return next((p for p in self.processes if not p.alive()), None)

    def checkpoint(self) -> None:
        """Save moto's state now (``local up`` calls this periodically)."""
        snapshot.save(self.settings(), self.snapshot_path)

    @property
    def snapshot_path(self) -> Path:
        return self.config.data_dir / "moto-state.json"

    def pids(self) -> dict[str, int]:
        return {p.name: p.pid for p in self.processes if p.pid is not None}

    def settings(self, **overrides: Any) -> Settings:
        """Settings that reach this cloud, e.g. ``settings(name_prefix="t1")``."""
        endpoints: dict[str, Any] = {f"{s}_endpoint": self._url_for(s) for s in SERVICES}
        endpoints["redis_url"] = self.env[env_name("redis_url")]
        return self.base_settings.model_copy(update={**endpoints, **overrides})

    # -- internals -------------------------------------------------------
    def _url_for(self, service: str) -> str:
        key = env_name(f"{service}_endpoint")
        return self.env[key]

    def _environment(self, urls: dict[str, str]) -> dict[str, str]:
        env = {env_name(f"{s}_endpoint"): urls.get(s, urls["moto"]) for s in SERVICES}
        env[env_name("redis_url")] = urls["redis"]
        region = self.base_settings.region
        env.update(
            {
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                env_name("region"): region,
                env_name("stage"): self.base_settings.stage,
                env_name("local_dir"): str(self.config.data_dir.resolve()),
                **servers.DUMMY_CREDENTIALS,
            }
        )
        if self.base_settings.name_prefix:
            env[env_name("name_prefix")] = self.base_settings.name_prefix
        return env

    def _take_lock(self) -> None:
        path = self.config.data_dir / "local.lock"
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise LocalCloudError(
                f"a local cloud is already running from {self.config.data_dir} (pid {holder})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock = handle
