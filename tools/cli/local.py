"""``streamfeed local …`` and ``streamfeed demo``: run the local cloud."""

from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path

import click

from chalicelib.core.errors import ServiceError
from chalicelib.core.keysets import KeySetError as KeysetFailure
from chalicelib.core.settings import SettingsError, load_settings
from tools.cli.errors import CliError
from tools.localcloud import LocalCloud, LocalCloudConfig, LocalCloudError, envfile
from tools.stopsignal import Stopped, signals_ignored, sigterm_raises

SNAPSHOT_EVERY = 15.0


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
    with sigterm_raises():
        _serve(cloud, banner)
    click.echo("local cloud stopped", err=True)


def _serve(cloud: LocalCloud, banner: bool) -> None:
    try:
        env = cloud.start()
    except LocalCloudError as exc:
        raise CliError(str(exc)) from None
    except (KeyboardInterrupt, Stopped):
        with signals_ignored():
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
    except (KeyboardInterrupt, Stopped):
        click.echo("stopping the local cloud…", err=True)
    finally:
        with signals_ignored(signal.SIGTERM):
            cloud.stop()


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
@click.option(
    "--api-port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port of the HTTPS API (0 picks a free port).",
)
@click.option(
    "--fakex-port", type=click.IntRange(0, 65535), default=0, help="Fake X port (0: free)."
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, max=10_000),
    default=5.0,
    show_default=True,
    help="Matching tweets per second from the fake X server.",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.2, max=60),
    default=2.0,
    show_default=True,
    help="Seconds between the streamer's terms polls (new terms become rules this fast).",
)
@click.option(
    "--x-api-url",
    default=None,
    metavar="URL",
    help="Stream from this X (e.g. https://api.twitter.com) instead of the fake server.",
)
@click.option("--keys", "keys_name", default=None, help="Key set to stream with (real X).")
@click.option(
    "--bearer-token-file",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=None,
    help="Read an X bearer token from this file ('-': stdin), store it as key set demo-x "
    "and stream from the real X (or --x-api-url) with it.",
)
@click.option(
    "--to-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The streamer appends tweets to this file instead of Kinesis (replay it later "
    "with streamfeed stream --from-file).",
)
@click.option(
    "--feed-backend",
    type=click.Choice(["fanout", "shared", "redis"]),
    default=None,
    help="Where feeds live (default: STREAMFEED_FEED_BACKEND, else fanout); redis runs on "
    "the local cloud's valkey-server.",
)
@click.option(
    "--summary-every",
    type=click.FloatRange(min=0.2),
    default=None,
    hidden=True,
    help="Seconds between summary lines (default 1 on a terminal, else 5).",
)
def demo(
    dynamodb_port: int,
    kinesis_port: int,
    moto_port: int,
    data_dir: Path | None,
    timeout: float,
    api_port: int,
    fakex_port: int,
    rate: float,
    poll_interval: float,
    x_api_url: str | None,
    keys_name: str | None,
    bearer_token_file: str | None,
    to_file: Path | None,
    feed_backend: str | None,
    summary_every: float | None,
) -> None:
    """The whole system on this machine: local cloud, X, streamer, consumer, API.

    Streams from the fake X server unless a real key set is stored (or
    --x-api-url / --keys / --bearer-token-file say otherwise), seeds demo
    terms, users and subscriptions on the first run, prints the API and status
    page URLs, tokens and example curls, then a live summary until Ctrl-C.
    """
    from tools.composition import CompositionError
    from tools.demo.run import DemoOptions, run_demo
    from tools.demo.xsource import XChoiceError

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    if x_api_url is not None and not x_api_url.startswith(("http://", "https://")):
        raise click.BadParameter("must be an http:// or https:// URL", param_hint="--x-api-url")
    options = DemoOptions(
        data_dir=data_dir or Path(settings.local_dir),
        api_port=api_port,
        fakex_port=fakex_port,
        dynamodb_port=dynamodb_port,
        kinesis_port=kinesis_port,
        moto_port=moto_port,
        rate=rate,
        poll_interval=poll_interval,
        x_api_url=x_api_url.rstrip("/") if x_api_url else None,
        keys=keys_name,
        bearer_token=_read_token(bearer_token_file) if bearer_token_file else None,
        to_file=to_file.resolve() if to_file else None,
        timeout=timeout,
        summary_every=summary_every,
        feed_backend=feed_backend,
    )
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        run_demo(options)
    except (CompositionError, LocalCloudError, XChoiceError) as exc:
        raise CliError(str(exc)) from None
    except (KeysetFailure, ServiceError) as exc:
        raise CliError(str(exc)) from None


def _read_token(source: str) -> str:
    """The first line of a file (or stdin): tokens never go on the command line."""
    try:
        if source == "-":
            token = sys.stdin.readline(4096).strip()
        else:
            with Path(source).open(encoding="utf-8") as handle:
                token = handle.readline(4096).strip()
    except OSError as exc:
        raise click.BadParameter(
            f"cannot read it ({exc.strerror})", param_hint="--bearer-token-file"
        ) from None
    if not token:
        raise click.BadParameter("it is empty", param_hint="--bearer-token-file")
    return token
