"""What a composition runs and where: one frozen value, so a run is reproducible.

The demo, the end-to-end tests, the benchmark and the chaos runs differ only
in these fields (ports, rates, which components, extra arguments), never in
how the processes are started or stopped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tools.fakex.engine import DEFAULT_BEARER_TOKEN

#: Component names, in start order (the API last: it is what a person uses first).
FAKEX: Final = "fake-x"
STREAMER: Final = "streamer"
CONSUMER: Final = "consumer"
API: Final = "api"
COMPONENTS: Final = (FAKEX, STREAMER, CONSUMER, API)

#: The key set that holds the fake X server's token. Any other key set is "real".
FAKE_KEYS: Final = "fake-x"
FAKE_KEYS_DESCRIPTION: Final = "the local fake X server's token (streamfeed demo)"


@dataclass(frozen=True)
class CompositionConfig:
    """Ports (0 = a free one), the X source, rates and which components run."""

    #: Logs (``logs/<component>.log``), the streamer's spool and, when the
    #: composition starts its own local cloud, the cloud's data and ``local.env``.
    data_dir: Path = Path(".streamfeed")
    host: str = "127.0.0.1"
    api_port: int = 0
    fakex_port: int = 0
    dynamodb_port: int = 0
    kinesis_port: int = 0
    moto_port: int = 0
    #: None starts the fake X server; a URL streams from that X instead (the
    #: real one or a fake started elsewhere), with ``keys_name`` or whatever
    #: key set the streamer resolves by itself.
    x_api_url: str | None = None
    keys_name: str | None = None
    fakex_rate: float = 5.0
    fakex_seed: int = 0
    fakex_bearer_token: str = DEFAULT_BEARER_TOKEN
    fakex_keepalive: float = 20.0
    #: Extra ``streamfeed fake-x`` arguments, e.g. ``("--replay", "tweets.jsonl")``.
    fakex_args: tuple[str, ...] = ()
    #: The streamer's terms poll and status interval (seconds).
    poll_interval: float = 2.0
    #: Extra ``streamfeed stream`` arguments, e.g. ``("--to-file", "out.jsonl")``.
    streamer_args: tuple[str, ...] = ()
    #: Restart the streamer after a crash (``--prevent-exit``).
    prevent_exit: bool = True
    consumer_poll_interval: float = 0.5
    #: The Chalice stage the API serves (its ``.chalice/config.json`` environment).
    api_stage: str = "dev"
    #: Components to run; drop one to run it yourself (a benchmark's own consumer).
    components: tuple[str, ...] = COMPONENTS
    #: The feed backend of every component (None: the environment's setting).
    feed_backend: str | None = None
    #: Extra environment for every child (``STREAMFEED_LOG_LEVEL`` …).
    env: Mapping[str, str] = field(default_factory=dict)
    start_timeout: float = 90.0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.components) - set(COMPONENTS))
        if unknown:
            raise ValueError(f"unknown components {unknown}; known: {list(COMPONENTS)}")

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    def log_path(self, component: str) -> Path:
        return self.logs_dir / f"{component}.log"

    def runs(self, component: str) -> bool:
        """Whether this composition starts ``component`` (fake X only without an X URL)."""
        if component == FAKEX and self.x_api_url is not None:
            return False
        return component in self.components


@dataclass(frozen=True)
class Endpoints:
    """What a started composition reports: where to reach it and with which keys."""

    api_url: str | None
    x_api_url: str
    #: The fake X server's URL when the composition runs it (its control API
    #: is at ``/_fake/...``); None when streaming from another X.
    fakex_url: str | None
    keys_name: str | None
    data_dir: Path
    logs_dir: Path
    #: ``local.env`` of the local cloud when the composition started it.
    env_file: Path | None

    @property
    def status_page_url(self) -> str | None:
        return f"{self.api_url}/status/page" if self.api_url else None
