"""``streamfeed terms``: the filter terms, from the command line.

The old app's terms were edited "through the admin or through code"; these
commands are the operator's "through code", calling the same service as the
API, so validation, duplicates and sync states behave identically.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import click

from chalicelib import terms
from chalicelib.cli.errors import CliError
from chalicelib.errors import ServiceError
from chalicelib.models import TermModel
from chalicelib.settings import Settings, SettingsError, load_settings
from chalicelib.terms.checkers import keyset_checkers

T = TypeVar("T")


def run(action: Callable[[Settings], T]) -> T:
    """Load settings and run ``action``; expected failures become one CLI line."""
    try:
        return action(load_settings())
    except (ServiceError, SettingsError) as exc:
        raise CliError(str(exc)) from None


def term_json(term: TermModel) -> dict[str, object]:
    return {
        "term_id": term.term_id,
        "value": term.value,
        "enabled": bool(term.enabled),
        "sync_state": term.sync_state,
        "x_rule_id": term.x_rule_id,
        "sync_error": term.sync_error,
    }


def term_line(term: TermModel) -> str:
    state = term.sync_state + (f" ({term.sync_error})" if term.sync_error else "")
    flag = "on " if term.enabled else "off"
    return f"{term.term_id}  {flag}  {state:<10}  {term.value}"


@click.group("terms")
def terms_group() -> None:
    """List, add, enable, disable and remove filter terms (X rules)."""


@terms_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for scripts.")
def list_command(as_json: bool) -> None:
    """Every term with its sync state."""
    found = run(terms.list_terms)
    if as_json:
        click.echo(json.dumps([term_json(t) for t in found], indent=2))
        return
    for term in found:
        click.echo(term_line(term))
    if not found:
        click.echo("no terms", err=True)


@terms_group.command("add")
@click.argument("value")
@click.option("--disabled", is_flag=True, help="Store it without streaming it yet.")
def add_command(value: str, disabled: bool) -> None:
    """Add a term; VALUE is an X rule such as '#python lang:en'."""
    created = run(lambda s: terms.create_term(s, value, keyset_checkers(s), enabled=not disabled))
    click.echo(term_line(created.term))
    how = "checked by X (dry run)" if created.validation.method == "x_dry_run" else "syntax checked"
    note = f": {created.validation.note}" if created.validation.note else ""
    click.echo(f"{how}{note}", err=True)


@terms_group.command("enable")
@click.argument("term_id")
def enable_command(term_id: str) -> None:
    """Stream this term again."""
    click.echo(term_line(run(lambda s: terms.set_enabled(s, term_id, True))))


@terms_group.command("disable")
@click.argument("term_id")
def disable_command(term_id: str) -> None:
    """Stop streaming this term (it is kept)."""
    click.echo(term_line(run(lambda s: terms.set_enabled(s, term_id, False))))


@terms_group.command("remove")
@click.argument("term_id")
def remove_command(term_id: str) -> None:
    """Delete a term and its subscriptions."""
    run(lambda s: terms.delete_term(s, term_id))
    click.echo(f"removed {term_id}")
