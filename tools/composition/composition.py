"""Start, watch and stop the whole system on one machine, as child processes.

See the package docstring for the API. The order matters: the local cloud
first (everything needs it), then fake X, the consumer and the API together,
then the streamer once X answers (so its first rule sync finds X). Stopping:
fake X, then the streamer (its SIGTERM flushes to Kinesis), then the rest,
then the cloud, each by its own process group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from chalicelib.auth import mint_token
from chalicelib.auth.config import load_auth_config
from chalicelib.core.settings import Settings, load_settings
from chalicelib.core.times import parse_iso
from chalicelib.status.reader import read_status_record
from tools.composition import commands, proctree
from tools.composition.config import (
    API,
    CONSUMER,
    FAKE_KEYS,
    FAKEX,
    STREAMER,
    CompositionConfig,
    Endpoints,
)
from tools.composition.emf import ConsumerTotals, EmfReader
from tools.composition.keys import ensure_keyset
from tools.composition.readiness import CompositionError, died, wait_http, wait_until
from tools.fakex.testing import FakeXClient
from tools.localcloud import LocalCloud, LocalCloudConfig
from tools.localcloud.bootstrap import bootstrap
from tools.localcloud.cloud import PROJECT_ROOT
from tools.localcloud.ports import free_port, is_listening
from tools.localcloud.processes import ManagedProcess

#: How often ``tick`` saves moto's state when the composition owns the cloud.
SNAPSHOT_EVERY = 15.0


class Composition:
    """Fake X (or a real X), streamer, consumer runner and API on the local cloud.

    ``cloud``: attach to a running :class:`LocalCloud` (not stopped by us);
    otherwise one is started in ``config.data_dir``. ``settings``: the stage
    to run (e.g. a test's own name prefix); default: the environment's.
    """

    def __init__(
        self,
        config: CompositionConfig | None = None,
        *,
        cloud: LocalCloud | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.config = config or CompositionConfig()
        self.cloud = cloud
        self._owns_cloud = cloud is None
        self._base_settings = settings
        self._settings: Settings | None = None
        self._cloud_settings: Settings | None = None
        self.launches: dict[str, commands.Launch] = {}
        self.processes: dict[str, ManagedProcess] = {}
        self.env: dict[str, str] = {}
        self.endpoints: Endpoints | None = None
        self.emf: EmfReader | None = None
        self._last_snapshot = time.monotonic()
        self._started_at = 0.0
        self._stopped = False

    # -- lifecycle ---------------------------------------------------------
    def start(self, prepare: Callable[[Settings], None] | None = None) -> Endpoints:
        """Start everything; ``prepare(settings)`` runs once the cloud is up, before the children.

        On any failure (a port taken, a component dying, a timeout) everything
        started so far is stopped again and :class:`CompositionError` (or
        :class:`~tools.localcloud.LocalCloudError`) is raised.
        """
        try:
            return self._start(prepare)
        except BaseException:
            self.stop()
            raise

    def _start(self, prepare: Callable[[Settings], None] | None) -> Endpoints:
        cfg = self.config
        self._started_at = time.time()
        deadline = time.monotonic() + cfg.start_timeout
        settings = self.start_cloud()
        assert self.cloud is not None
        fake = cfg.runs(FAKEX)
        fakex_port = _port(cfg.host, cfg.fakex_port, "fake X") if fake else 0
        api_port = _port(cfg.host, cfg.api_port, "the API") if cfg.runs(API) else 0
        x_url = cfg.x_api_url or f"http://{cfg.host}:{fakex_port}"
        keys = cfg.keys_name or (FAKE_KEYS if fake else None)
        if fake:
            ensure_keyset(settings, cfg.fakex_bearer_token, keys or FAKE_KEYS)
        update: dict[str, Any] = {"x_api_url": x_url, "default_keys": keys}
        if cfg.feed_backend:
            update["feed_backend"] = cfg.feed_backend
        self._settings = settings.model_copy(update=update)
        if prepare is not None:
            prepare(self._settings)
        self.env = commands.child_environment(
            self.cloud.env, cfg, name_prefix=settings.name_prefix, x_api_url=x_url, keys_name=keys
        )
        if cfg.runs(CONSUMER):
            self.emf = EmfReader(cfg.log_path(CONSUMER))
            self.emf.start()
        first = [
            commands.fakex_launch(cfg, fakex_port) if fake else None,
            commands.consumer_launch(cfg) if cfg.runs(CONSUMER) else None,
            commands.api_launch(cfg, api_port, use_streamfeed=commands.has_api_command())
            if cfg.runs(API)
            else None,
        ]
        for launch in first:
            if launch is not None:
                self._spawn(launch)
        if fake:
            wait_http(self.processes[FAKEX], f"{x_url}/_fake/state", deadline)
        if cfg.runs(STREAMER):
            self._spawn(commands.streamer_launch(cfg))
        api_url = f"http://{cfg.host}:{api_port}" if cfg.runs(API) else None
        if api_url is not None:
            wait_http(self.processes[API], f"{api_url}/health", deadline)
        self.check()
        self.endpoints = Endpoints(
            api_url=api_url,
            x_api_url=x_url,
            fakex_url=x_url if fake else None,
            keys_name=keys,
            data_dir=cfg.data_dir,
            logs_dir=cfg.logs_dir,
            env_file=self.cloud.config.env_file if self._owns_cloud else None,
        )
        return self.endpoints

    def start_cloud(self) -> Settings:
        """Start (or attach to) the local cloud only; ``start`` calls it, idempotently.

        Call it first to look at stored data before choosing the rest of the
        configuration (the demo picks its X from the stored key sets), then
        :meth:`reconfigure` and :meth:`start`.
        """
        if self._cloud_settings is not None:
            return self._cloud_settings
        self._cloud_settings = self._start_cloud()
        return self._cloud_settings

    def reconfigure(self, **changes: Any) -> CompositionConfig:
        """Change component fields (X URL, key set, rates …) before ``start``."""
        if self.processes:
            raise CompositionError("reconfigure before start, not while running")
        self.config = replace(self.config, **changes)
        return self.config

    def _start_cloud(self) -> Settings:
        cfg = self.config
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        if self.cloud is None:
            cloud_config = LocalCloudConfig(
                data_dir=cfg.data_dir,
                host=cfg.host,
                dynamodb_port=cfg.dynamodb_port,
                kinesis_port=cfg.kinesis_port,
                moto_port=cfg.moto_port,
                start_timeout=cfg.start_timeout,
            )
            self.cloud = LocalCloud(cloud_config, self._base_settings or load_settings())
            self.cloud.start()
            return self.cloud.settings()
        settings = self._base_settings or self.cloud.settings()
        bootstrap(settings)  # idempotent: this stage's tables, stream, queue, secrets
        return settings

    def _spawn(self, launch: commands.Launch) -> ManagedProcess:
        process = ManagedProcess(
            name=launch.name,
            argv=launch.argv,
            log_path=self.config.log_path(launch.name),
            cwd=PROJECT_ROOT,
            env={**self.env, **launch.env},
            stop_signal=launch.stop_signal,
            stop_timeout=launch.stop_timeout,
        )
        self.launches[launch.name] = launch
        self.processes[launch.name] = process
        process.start()
        return process

    def stop(self) -> None:
        """Stop every component and (if ours) the cloud; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        # The source first: the streamer then has everything fake X's ledger
        # says was sent, and a streamer blocked on a silent connection (a
        # stall) wakes up at once. Then the streamer, whose SIGTERM flushes
        # what it holds to Kinesis, then the rest together.
        for name in (FAKEX, STREAMER):
            if name in self.processes:
                self.processes[name].stop()
        rest = [p for name, p in self.processes.items() if name not in (FAKEX, STREAMER)]
        threads = [threading.Thread(target=p.stop, name=f"stop-{p.name}") for p in rest]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self.emf is not None:
            with contextlib.suppress(Exception):
                self.emf.stop()
        if self._owns_cloud and self.cloud is not None:
            self.cloud.stop()

    def __enter__(self) -> Composition:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- while running -----------------------------------------------------
    @property
    def settings(self) -> Settings:
        """Settings that reach this composition's stage (and its X)."""
        if self._settings is None:
            raise CompositionError("the composition has not been started")
        return self._settings

    def check(self) -> None:
        """Raise :class:`CompositionError` naming the first component or server that died."""
        for process in self.processes.values():
            if not process.alive():
                raise died(process)
        if self._owns_cloud and self.cloud is not None:
            dead = self.cloud.dead_process()
            if dead is not None:
                raise died(dead)

    def tick(self) -> None:
        """Call every second or so while running: checks health, saves moto's state."""
        self.check()
        due = time.monotonic() - self._last_snapshot > SNAPSHOT_EVERY
        if due and self._owns_cloud and self.cloud is not None:
            self.cloud.checkpoint()
            self._last_snapshot = time.monotonic()

    def process(self, name: str) -> ManagedProcess:
        try:
            return self.processes[name]
        except KeyError:
            raise CompositionError(f"no component {name!r} in this composition") from None

    def restart(self, name: str) -> ManagedProcess:
        """Stop one component (cleanly, then SIGKILL) and start it again."""
        self.process(name).stop()
        return self._spawn(self.launches[name])

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
        """Send ``sig`` to one component's process group (chaos: a crash, not a stop)."""
        process = self.process(name)
        if process.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.popen.pid, sig)

    def pids(self) -> dict[str, int]:
        """Component and (own) cloud server PIDs by name."""
        found = {name: p.pid for name, p in self.processes.items() if p.pid is not None}
        if self._owns_cloud and self.cloud is not None:
            found.update(self.cloud.pids())
        return found

    def all_pids(self) -> set[int]:
        """Every live process the composition started, their own children included."""
        return proctree.descendants(self.pids().values())

    @property
    def fakex(self) -> FakeXClient:
        """The fake X server's control and rules client (only when the composition runs it)."""
        if self.endpoints is None or self.endpoints.fakex_url is None:
            raise CompositionError("this composition does not run the fake X server")
        return FakeXClient(self.endpoints.fakex_url, self.config.fakex_bearer_token)

    def token(
        self, user_id: str, *, admin: bool = False, service: bool = False, ttl: int = 3600
    ) -> str:
        """An API token for ``user_id``, as ``streamfeed token`` mints it."""
        auth = load_auth_config()
        wanted = ((auth.auth_admin_group, admin), (auth.auth_service_group, service))
        groups = tuple(group for group, chosen in wanted if chosen)
        return mint_token(self.settings, user_id, ttl_seconds=ttl, groups=groups)

    def stream_status(self) -> dict[str, Any] | None:
        """The streamer's status record (state, received, shipped …), as it last wrote it."""
        return read_status_record(self.settings)

    def consumer_totals(self) -> ConsumerTotals:
        """What the consumer reported (stored, feed items, lag) since the start."""
        return self.emf.totals if self.emf is not None else ConsumerTotals()

    def wait_for_state(self, state: str, timeout: float = 30.0) -> dict[str, Any]:
        """Until this run's streamer says ``state`` (e.g. "connected"); its status record.

        A record written before this start (data persists) does not count.
        """

        def probe() -> dict[str, Any] | None:
            record = self.stream_status()
            if record is None or record.get("state") != state:
                return None
            beat = parse_iso(record.get("heartbeat_at"))
            return record if beat is not None and beat.timestamp() >= self._started_at else None

        return wait_until(probe, timeout, f"the streamer to be {state}", watch=self.check)

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir


def _port(host: str, port: int, label: str) -> int:
    """``port``, or a free one for 0; an error naming ``label`` if something listens there.

    Only a listener counts as taken: a test bind (as for the emulators) would
    also refuse a port whose last connections are in TIME_WAIT, which the
    servers themselves reuse, so a quick restart of the demo would fail.
    """
    if port == 0:
        return free_port(host)
    if is_listening(host, port):
        raise CompositionError(f"port {port} for {label} is already in use")
    return port
