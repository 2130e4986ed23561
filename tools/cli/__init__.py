"""The ``streamfeed`` command: one entry point for every operator task.

Subcommands are loaded lazily so that ``streamfeed --help`` and small commands
start fast and one broken optional dependency cannot break the others.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from tools.cli.errors import CliError

#: command name -> "module:attribute" of a click command.
COMMANDS: dict[str, str] = {
    "local": "tools.cli.local:local",
    "demo": "tools.cli.local:demo",
    "settings": "tools.cli.settings:settings_command",
    "token": "tools.cli.token:token_command",
    "terms": "tools.cli.terms:terms_group",
    "subscriptions": "tools.cli.terms:subscriptions_group",
    "keys": "tools.cli.keys:keys_group",
    "stream": "tools.cli.stream:stream",
    "consume": "tools.cli.consume:consume",
    "fake-x": "tools.fakex.cli:fake_x",
    "api": "tools.cli.api:api_command",
    "import": "tools.cli.imports:import_group",
    "export": "tools.cli.exports:export_group",
    "feeds": "tools.cli.feeds:feeds_group",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="streamfeed")
def cli() -> None:
    """streamfeed: the X filtered stream into DynamoDB, served as per-user feeds."""


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; expected failures print one line and exit non-zero."""
    try:
        return cli.main(args=argv, prog_name="streamfeed", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("streamfeed: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"streamfeed: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except CliError as exc:
        click.echo(f"streamfeed: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
