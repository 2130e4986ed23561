"""``streamfeed fake-x``: run the fake X API server in the foreground."""

from __future__ import annotations

import errno
from pathlib import Path

import click

from tools.cli.errors import CliError
from tools.fakex.engine import DEFAULT_BEARER_TOKEN, WINDOW, Engine, FakeXConfig
from tools.fakex.replay import ReplayError
from tools.fakex.server import FakeXServer
from tools.stopsignal import Stopped, sigterm_raises


@click.command("fake-x")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="0 picks a free port.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0, max=1_000_000),
    default=50.0,
    show_default=True,
    help="Matched tweets per second on the filtered stream (all tweets on the sample stream).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same tweets.")
@click.option(
    "--replay",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Stream the tweets of this JSONL file (still filtered by the rules) instead.",
)
@click.option(
    "--bearer-token",
    default=DEFAULT_BEARER_TOKEN,
    show_default=True,
    help="The only bearer token the server accepts.",
)
@click.option(
    "--keepalive",
    type=click.FloatRange(min=0, min_open=True),
    default=20.0,
    show_default=True,
    help="Seconds without data before a keep-alive (\\r\\n) is sent.",
)
@click.option(
    "--rate-limit-window",
    type=click.IntRange(min=1),
    default=WINDOW,
    show_default=True,
    help="Seconds per rate-limit window: how far away x-rate-limit-reset is after a 429.",
)
def fake_x(
    *,
    host: str,
    port: int,
    rate: float,
    seed: int,
    replay: Path | None,
    bearer_token: str,
    keepalive: float,
    rate_limit_window: int,
) -> None:
    """A local stand-in for the X API v2 filtered stream, with faults and a ledger.

    Prints one line with the base URL (point STREAMFEED_X_API_URL at it), then
    serves until Ctrl-C or SIGTERM. Control API: /_fake/faults, /_fake/ledger,
    /_fake/state.
    """
    config = FakeXConfig(
        rate=rate,
        seed=seed,
        bearer_token=bearer_token,
        keepalive=keepalive,
        replay=replay,
        rate_limit_window=rate_limit_window,
    )
    try:
        engine = Engine(config)
    except ReplayError as exc:
        raise CliError(str(exc)) from None
    try:
        server = FakeXServer(engine, host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CliError(f"port {port} on {host} is already in use") from None
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"fake-x listening on {server.url}", nl=True)
    try:
        with sigterm_raises():
            server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, Stopped):
        pass
    finally:
        engine.stopping.set()
        server.server_close()
