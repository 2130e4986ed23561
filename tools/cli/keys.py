"""``streamfeed keys``: X API key sets, from the command line.

Secrets are read from a hidden prompt, a file or stdin, never from argv:
command lines end up in shell history and in ``ps`` for every local user.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from chalicelib.core import keysets
from chalicelib.core.keysets import InvalidKeySet, SecretValues
from chalicelib.core.keysets.values import USER_CONTEXT_FIELDS
from tools.cli.terms import run

MAX_SECRET_FILE = 16 * 1024


@click.group("keys")
def keys_group() -> None:
    """List, add, remove key sets and choose the default."""


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
def list_command(as_json: bool) -> None:
    """Every key set (name, hint, default); never the secrets."""
    found = run(keysets.list_keysets)
    default = run(keysets.get_default)
    if as_json:
        items = [
            {"name": k.name, "hint": f"****{k.hint}", "has_user_context": k.has_user_context,
             "description": k.description, "is_default": k.name == default.name}
            for k in found
        ]  # fmt: skip
        click.echo(json.dumps({"items": items, "default": default.name}, indent=2))
        return
    for keyset in found:
        mark = "*" if keyset.name == default.name else " "
        line = f"{mark} {keyset.name:<24} ****{keyset.hint}  {keyset.description or ''}"
        click.echo(line.rstrip())
    if not found:
        click.echo("no key sets", err=True)
    elif default.name:
        click.echo(f"default: {default.name} ({default.source})", err=True)


@keys_group.command("add")
@click.argument("name")
@click.option(
    "--from-file",
    "source",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Read the secrets from this file ('-' for stdin): a JSON object with "
    "bearer_token (and optional user-context keys), or just the bearer token.",
)
@click.option("--with-user-context", is_flag=True, help="Also prompt for consumer/access keys.")
@click.option("--description", default=None, help="A note shown in listings.")
@click.option("--replace", is_flag=True, help="Replace the secrets of an existing key set.")
def add_command(
    name: str, source: str | None, with_user_context: bool, description: str | None, replace: bool
) -> None:
    """Store a key set NAME; secrets come from a prompt, a file or stdin."""
    if description is not None and not 0 < len(description) <= 200:
        raise click.BadParameter("must be 1-200 characters", param_hint="--description")
    values = _read_secrets(source, with_user_context)
    action = keysets.replace_keyset if replace else keysets.create_keyset
    keyset = run(lambda s: action(s, name, values, description))
    click.echo(f"{'replaced' if replace else 'added'} {keyset.name} (****{keyset.hint})")


@keys_group.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def remove_command(name: str, yes: bool) -> None:
    """Delete a key set and schedule its secret for deletion."""
    if not yes:
        click.confirm(f"remove key set {name!r}?", abort=True)
    run(lambda s: keysets.delete_keyset(s, name))
    click.echo(f"removed {name}")


@keys_group.command("set-default")
@click.argument("name", required=False)
@click.option("--clear", is_flag=True, help="Forget the stored default instead.")
def set_default_command(name: str | None, clear: bool) -> None:
    """Make NAME the key set streamed with when none is named."""
    if clear == (name is not None):
        raise click.UsageError("give a NAME or --clear")
    if clear:
        chosen = run(keysets.clear_default)
    else:
        chosen = run(lambda s: keysets.set_default(s, str(name)))
    click.echo(f"default: {chosen.name or 'none'} ({chosen.source})")


def _read_secrets(source: str | None, with_user_context: bool) -> SecretValues:
    if source is None:
        data: dict[str, str] = {"bearer_token": click.prompt("Bearer token", hide_input=True)}
        if with_user_context:
            for field in USER_CONTEXT_FIELDS:
                label = field.replace("_", " ").capitalize()
                data[field] = click.prompt(label, hide_input=True)
        return _values(data)
    text = _read_text(source)
    if text.lstrip().startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            raise click.BadParameter("not valid JSON", param_hint="--from-file") from None
        return _values(parsed)
    return _values({"bearer_token": text.strip()})


def _read_text(source: str) -> str:
    try:
        if source == "-":
            text = sys.stdin.read(MAX_SECRET_FILE + 1)
        else:
            with Path(source).open(encoding="utf-8") as handle:
                text = handle.read(MAX_SECRET_FILE + 1)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot read it ({exc.strerror})", param_hint="--from-file"
        ) from None
    if len(text) > MAX_SECRET_FILE:
        raise click.BadParameter("larger than 16 KB", param_hint="--from-file")
    return text


def _values(data: object) -> SecretValues:
    try:
        return SecretValues.from_mapping(data)
    except InvalidKeySet as exc:
        raise click.BadParameter(str(exc), param_hint="secrets") from None
    except TypeError:
        raise click.BadParameter("secret values must be strings", param_hint="secrets") from None
