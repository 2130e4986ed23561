"""The command line and environment of each component, from the config alone.

Pure: nothing here starts a process, so what a composition will launch can be
read (and tested) without launching it. Every component is a ``streamfeed``
command (or ``chalice local`` for the API until ``streamfeed api`` exists),
never an in-process thread: the demo then runs exactly what an operator runs,
and a crash in one component cannot take the others down.
"""

from __future__ import annotations

import importlib.util
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chalicelib.core.settings import env_name
from tools.composition.config import API, CONSUMER, FAKEX, STREAMER, CompositionConfig


@dataclass(frozen=True)
class Launch:
    """How to run one component and how to stop it cleanly."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    stop_signal: signal.Signals = signal.SIGTERM
    #: Seconds a clean stop may take before SIGKILL.
    stop_timeout: float = 10.0


def _bin(name: str) -> Path:
    """A console script of this virtualenv (next to the running interpreter)."""
    return Path(sys.executable).with_name(name)


def streamfeed_argv(*args: str) -> list[str]:
    """``streamfeed ARGS``; through ``python -c`` when the script is not installed."""
    script = _bin("streamfeed")
    if script.is_file():
        return [str(script), *args]
    return [
        sys.executable,
        "-c",
        "import sys; from tools.cli import main; main(sys.argv[1:])",
        *args,
    ]


def has_api_command() -> bool:
    """Whether ``streamfeed api`` (the local API server) exists in this checkout."""
    return importlib.util.find_spec("tools.cli.api") is not None


def fakex_launch(config: CompositionConfig, port: int) -> Launch:
    argv = streamfeed_argv(
        "fake-x",
        "--host", config.host,
        "--port", str(port),
        "--rate", f"{config.fakex_rate:g}",
        "--seed", str(config.fakex_seed),
        "--keepalive", f"{config.fakex_keepalive:g}",
        "--bearer-token", config.fakex_bearer_token,
        *config.fakex_args,
    )  # fmt: skip
    return Launch(FAKEX, argv, stop_timeout=5.0)


def streamer_launch(config: CompositionConfig) -> Launch:
    args = ["stream", "--poll-interval", f"{config.poll_interval:g}"]
    if config.prevent_exit:
        args.append("--prevent-exit")
    # SIGTERM flushes to Kinesis (or spools) before exiting: give it time.
    return Launch(STREAMER, streamfeed_argv(*args, *config.streamer_args), stop_timeout=20.0)


def consumer_launch(config: CompositionConfig) -> Launch:
    argv = streamfeed_argv("consume", "--poll-interval", f"{config.consumer_poll_interval:g}")
    # SIGTERM lets running invocations finish and saves the checkpoints.
    return Launch(CONSUMER, argv, stop_timeout=20.0)


def api_launch(config: CompositionConfig, port: int, *, use_streamfeed: bool) -> Launch:
    common = ["--host", config.host, "--port", str(port), "--stage", config.api_stage]
    if use_streamfeed:
        return Launch(API, streamfeed_argv("api", *common), stop_timeout=5.0)
    # No autoreload: the reloader would fork a second server process.
    argv = [str(_bin("chalice")), "local", "--no-autoreload", *common]
    return Launch(API, argv, stop_timeout=5.0)


def child_environment(
    cloud_env: Mapping[str, str],
    config: CompositionConfig,
    *,
    name_prefix: str | None,
    x_api_url: str,
    keys_name: str | None,
) -> dict[str, str]:
    """The environment every component shares: the cloud's, plus the composition's."""
    env = dict(cloud_env)
    env.update(
        {
            env_name("local_dir"): str(config.data_dir.resolve()),
            env_name("x_api_url"): x_api_url,
            env_name("poll_interval"): f"{config.poll_interval:g}",
            # Logs reach the log files line by line, not in 8 KB blocks.
            "PYTHONUNBUFFERED": "1",
        }
    )
    if name_prefix:
        env[env_name("name_prefix")] = name_prefix
    if keys_name:
        # The streamer streams with it and the API's dry runs ask X with it.
        env[env_name("default_keys")] = keys_name
    if config.feed_backend:
        env[env_name("feed_backend")] = config.feed_backend
    env.update(config.env)
    return env
