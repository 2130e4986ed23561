"""``streamfeed api``: the HTTP API on this machine, answering as it does in AWS.

``chalice local`` runs the same routes and authorizer but answers a missing
token or an unknown path in Chalice's own shapes; this server renders those
from the GatewayResponses deployed to AWS (see ``tools.apiserver.server``),
so a curl against it shows exactly what the deployed API would say.

Settings come from the environment like every other command (load the local
cloud's with ``eval "$(streamfeed local env)"``); the Chalice stage's
``environment_variables`` only fill in variables that are unset, where
``chalice local`` would overwrite them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from chalicelib.api import runtime
from chalicelib.auth import TokenError, load_auth_config, read_signing_key
from chalicelib.core.settings import SettingsError
from tools.apiserver.server import ApiServer, LocalServerError, chalice_config, load_app
from tools.cli.daemon_logging import configure_logging
from tools.cli.errors import CliError
from tools.stopsignal import Stopped, sigterm_raises


@click.command("api")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="0 picks a free port (the printed URL shows which).",
)
@click.option(
    "--stage",
    default="dev",
    show_default=True,
    help="Chalice stage whose environment_variables fill in unset variables.",
)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=".",
    show_default=True,
    help="Where app.py and .chalice/ are.",
)
def api_command(host: str, port: int, stage: str, project_dir: Path) -> None:
    """Serve the HTTP API locally until Ctrl-C or SIGTERM; prints its URL."""
    server = None
    # Also while starting: a demo may stop us early.
    with sigterm_raises():
        try:
            server = _start(host, port, stage, project_dir.resolve())
            server.serve_forever()
        except (KeyboardInterrupt, Stopped):
            pass
    if server is not None:
        server.close()
    click.echo("streamfeed API stopped", err=True)


def _start(host: str, port: int, stage: str, root: Path) -> ApiServer:
    """Settings, app and socket, in that order; prints the URL once it listens."""
    try:
        config = chalice_config(root, stage)
    except LocalServerError as exc:
        raise CliError(str(exc)) from None
    for name, value in config.environment_variables.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_CHALICE_CLI_MODE", "true")
    try:
        current = runtime.current()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    settings = current.settings
    configure_logging(settings.log_level, fmt="%(name)s: %(message)s")
    _warn_without_signing_key(current)
    try:
        server = ApiServer(load_app(root), config, host, port)
    except LocalServerError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"streamfeed API on {server.url} (stage {stage}, tables {settings.prefix}-*)")
    sys.stdout.flush()
    return server


def _warn_without_signing_key(current: runtime.Runtime) -> None:
    """Say now, not at the first request, that local tokens cannot be checked yet."""
    if load_auth_config().mode != "local":
        return
    try:
        read_signing_key(current.settings)
    except TokenError as exc:
        click.echo(
            f"streamfeed: warning: {exc.message}; is the local cloud up (streamfeed local up) "
            'and its env loaded (eval "$(streamfeed local env)")? Every token is refused '
            "until it is.",
            err=True,
        )
