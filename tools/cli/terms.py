"""``streamfeed terms`` and ``streamfeed subscriptions``, from the command line.

django-twitter-stream's terms were edited "through the admin or through code"; these
commands are the operator's "through code", calling the same services as the
API, so validation, duplicates, sync states and subscriptions behave identically.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import click

from chalicelib import subscriptions, terms
from chalicelib.core import resources
from chalicelib.core.errors import ServiceError
from chalicelib.core.settings import Settings, SettingsError, load_settings
from chalicelib.feeds import Feeds
from chalicelib.hotterms import term_spans
from chalicelib.terms.checkers import keyset_checkers
from tools.cli.errors import CliError

T = TypeVar("T")


def run(action: Callable[[Settings], T]) -> T:
    """Load settings and run ``action``; expected failures become one CLI line."""
    try:
        return action(load_settings())
    except (ServiceError, SettingsError) as exc:
        raise CliError(str(exc)) from None


def term_json(term: terms.Term) -> dict[str, object]:
    return {
        "term_id": term.term_id,
        "value": term.value,
        "enabled": term.enabled,
        "sync_state": term.sync_state,
        "x_rule_id": term.x_rule_id,
        "sync_error": term.sync_error,
        "subscribers": term.subscribers,
        "hot": term.hot,
    }


def term_line(term: terms.Term) -> str:
    state = term.sync_state + (f" ({term.sync_error})" if term.sync_error else "")
    flag = "on " if term.enabled else "off"
    heat = "hot " if term.hot else "    "
    subscribers = f"{term.subscribers:>7,} subs"
    return f"{term.term_id}  {flag}  {state:<10}  {subscribers} {heat} {term.value}"


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


@terms_group.command("recount")
@click.argument("term_ids", nargs=-1)
def recount_command(term_ids: tuple[str, ...]) -> None:
    """Count each term's subscribers again (all terms if none is named); hot or cold follows."""

    def recount(settings: Settings) -> list[terms.Term]:
        index = resources.SUBSCRIPTIONS.indexes[0].name
        table = settings.table_name(resources.SUBSCRIPTIONS.logical)
        spans = term_spans(settings)
        wanted = [terms.get_term(settings, t) for t in term_ids] or terms.list_terms(settings)
        for term in wanted:
            spans.recount(term.term_id, table, index)
        return [terms.get_term(settings, term.term_id) for term in wanted]

    for term in run(recount):
        click.echo(term_line(term))


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


@click.group("subscriptions")
def subscriptions_group() -> None:
    """List, add and remove a user's subscriptions (the terms that feed their feed)."""


def _term_ref(settings: Settings, ref: str) -> terms.Term:
    """TERM is a term id (``t`` + 20 hex digits) or a rule exactly as written."""
    if terms.is_term_id(ref):
        try:
            return terms.find_term(settings, term_id=ref)
        except terms.TermNotFound:
            pass  # a rule that happens to look like an id
    return terms.find_term(settings, value=ref)


@subscriptions_group.command("list")
@click.argument("user_id")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for scripts.")
def subscriptions_list_command(user_id: str, as_json: bool) -> None:
    """USER_ID's subscriptions with each term's rule."""
    listed = run(lambda s: subscriptions.list_with_terms(s, user_id))
    if as_json:
        rows = [
            {"term_id": item.subscription.term_id, **(term_json(item.term) if item.term else {})}
            for item in listed
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for item in listed:
        if item.term is None:
            click.echo(f"{item.subscription.term_id}  -    (term deleted)")
        else:
            click.echo(term_line(item.term))
    if not listed:
        click.echo(f"{user_id} has no subscriptions", err=True)


@subscriptions_group.command("add")
@click.argument("user_id")
@click.argument("term")
def subscriptions_add_command(user_id: str, term: str) -> None:
    """Subscribe USER_ID to TERM (a term id or its rule, e.g. '#python lang:en')."""

    def add(settings: Settings) -> subscriptions.Subscribed:
        term_id = _term_ref(settings, term).term_id
        feeds = Feeds.from_settings(settings)
        return subscriptions.subscribe(
            settings, user_id, term_id, feeds.register_users, feeds.own_count
        )

    result = run(add)
    state = "subscribed" if result.created else "already subscribed"
    click.echo(f"{state}: {user_id} -> {result.term.term_id}  {result.term.value}")


@subscriptions_group.command("remove")
@click.argument("user_id")
@click.argument("term")
def subscriptions_remove_command(user_id: str, term: str) -> None:
    """Unsubscribe USER_ID from TERM (a term id or its rule)."""

    def remove(settings: Settings) -> str:
        term_id = term if terms.is_term_id(term) else terms.term_id_for(term)
        subscriptions.unsubscribe(settings, user_id, term_id)
        return term_id

    click.echo(f"unsubscribed: {user_id} -> {run(remove)}")
