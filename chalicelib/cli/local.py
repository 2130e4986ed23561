"""``streamfeed local …`` and ``streamfeed demo``: run the local cloud."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from types import FrameType

import click

from chalicelib.cli.errors import CliError
from chalicelib.localcloud import LocalCloud, LocalCloudConfig, LocalCloudError, envfile
from chalicelib.settings import SettingsError, load_settings

SNAPSHOT_EVERY = 15.0


class _Stop(Exception):
    """Raised from the SIGTERM handler to unwind like Ctrl-C does."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


@click.group("local")
def local() -> None:
    """The local cloud: DynamoDB, Kinesis and moto emulators on loopback."""


def _ports(function: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.option("--dynamodb-port", type=int, default=0, help="0 picks a free port."),
        click.option("--kinesis-port", type=int, default=0, help="0 picks a free port."),
        click.option("--moto-port", type=int, default=0, help="0 picks a free port."),
        click.option(
            "--data-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Where data, logs and local.env live (default STREAMFEED_LOCAL_DIR).",
        ),
        click.option("--timeout", type=float, default=90.0, help="Seconds to wait for servers."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _config(
    dynamodb_port: int, kinesis_port: int, moto_port: int, data_dir: Path | None, timeout: float
) -> tuple[LocalCloudConfig, LocalCloud]:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    config = LocalCloudConfig(
        data_dir=data_dir or Path(settings.local_dir),
        dynamodb_port=dynamodb_port,
        kinesis_port=kinesis_port,
        moto_port=moto_port,
        start_timeout=timeout,
    )
    return config, LocalCloud(config, settings)


def _run(cloud: LocalCloud, banner: bool) -> None:
    """Start, report, then stay in the foreground until Ctrl-C or SIGTERM."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        env = cloud.start()
    except LocalCloudError as exc:
        raise CliError(str(exc)) from None
    except (KeyboardInterrupt, _Stop):
        cloud.stop(save=False)
        raise CliError("interrupted while starting", exit_code=130) from None
    try:
        _report(cloud, env, banner)
        last_snapshot = time.monotonic()
        while True:
            time.sleep(0.5)
            dead = cloud.dead_process()
            if dead is not None:
                raise CliError(f"{dead.name} stopped unexpectedly (log {dead.log_path})")
            if time.monotonic() - last_snapshot > SNAPSHOT_EVERY:
                cloud.checkpoint()
                last_snapshot = time.monotonic()
    except (KeyboardInterrupt, _Stop):
        click.echo("stopping the local cloud…", err=True)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cloud.stop()
    click.echo("local cloud stopped", err=True)


def _report(cloud: LocalCloud, env: dict[str, str], banner: bool) -> None:
    settings = cloud.settings()
    created = cloud.report.created if cloud.report else []
    if banner:
        click.echo("streamfeed local cloud is running\n")
    for name, pid in cloud.pids().items():
        click.echo(f"  {name:<13} pid {pid}")
    click.echo(f"  DynamoDB      {settings.dynamodb_endpoint}  ({settings.prefix}-* tables)")
    click.echo(f"  Kinesis       {settings.kinesis_endpoint}  (stream {settings.kinesis_stream})")
    click.echo(
        f"  moto          {settings.secretsmanager_endpoint}  "
        "(Secrets Manager, SSM, CloudWatch, Logs, SQS)"
    )
    summary = f"{len(created)} resources created now" if created else "every resource existed"
    click.echo(f"  bootstrap     {summary}")
    click.echo(f"\n  env file      {cloud.config.env_file}")
    click.echo(f"  use it        set -a; . {cloud.config.env_file}; set +a")
    click.echo("\nCtrl-C stops everything.")
    sys.stdout.flush()


@local.command("up")
@_ports
def up(
    dynamodb_port: int, kinesis_port: int, moto_port: int, data_dir: Path | None, timeout: float
) -> None:
    """Start the local cloud in the foreground; Ctrl-C stops it."""
    _, cloud = _config(dynamodb_port, kinesis_port, moto_port, data_dir, timeout)
    _run(cloud, banner=False)


@local.command("env")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def env(data_dir: Path | None) -> None:
    """Print `export` lines for the running local cloud (eval "$(streamfeed local env)")."""
    try:
        directory = data_dir or Path(load_settings().local_dir)
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    path = directory / "local.env"
    if not path.is_file():
        raise CliError(f"no local cloud is running ({path} does not exist)")
    for key, value in envfile.read(path).items():
        click.echo(f"export {key}={value}")


@click.command("demo")
@_ports
def demo(
    dynamodb_port: int, kinesis_port: int, moto_port: int, data_dir: Path | None, timeout: float
) -> None:
    """The main job on one machine: start the local cloud and show what runs."""
    _, cloud = _config(dynamodb_port, kinesis_port, moto_port, data_dir, timeout)
    _run(cloud, banner=True)
