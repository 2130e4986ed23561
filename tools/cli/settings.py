"""``streamfeed settings``: show every setting, its value and what it means."""

from __future__ import annotations

import click
from pydantic_settings import BaseSettings

from chalicelib.core.settings import Settings, SettingsError, env_name, load_settings
from tools.cli.errors import CliError


def settings_classes() -> tuple[type[BaseSettings], ...]:
    """Every class that reads STREAMFEED_* variables: the shared one and the API's auth."""
    from chalicelib.auth.config import AuthConfig

    return (Settings, AuthConfig)


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for every setting, as the README lists them."""
    rows = []
    fields = [item for cls in settings_classes() for item in cls.model_fields.items()]
    for name, field in fields:
        default = "" if field.default is None else str(field.default)
        if isinstance(field.default, bool):
            default = str(field.default).lower()
        rows.append((env_name(name), default, field.description or ""))
    return rows


@click.command("settings")
@click.option("--markdown", is_flag=True, help="Print the README's settings table.")
def settings_command(markdown: bool) -> None:
    """Validate the environment's settings and print them."""
    if markdown:
        click.echo("| Variable | Default | Meaning |\n|---|---|---|")
        for variable, default, meaning in settings_table():
            shown = f"`{default}`" if default else "(unset)"
            click.echo(f"| `{variable}` | {shown} | {meaning} |")
        return
    try:
        current = load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    for name in Settings.model_fields:
        click.echo(f"{env_name(name)}={getattr(current, name)}")
