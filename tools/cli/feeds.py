"""``streamfeed feeds rebuild``: refill the feeds from what DynamoDB keeps.

The work is in :mod:`tools.feedrebuild`; this is its command line: options,
a progress bar on a terminal (plain lines otherwise) and a one-line summary.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Final

import click
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.errors import InvalidInput
from chalicelib.core.settings import Settings, SettingsError, load_settings
from chalicelib.core.times import iso_text
from chalicelib.dynamo_batches import BatchIncomplete
from chalicelib.feeds import FeedError, Feeds
from chalicelib.terms import is_term_id
from chalicelib.userids import check_user_id
from tools.cli.errors import CliError
from tools.cli.params import IsoTime
from tools.feedrebuild import (
    DEFAULT_BATCH,
    MAX_BATCH,
    Options,
    Progress,
    Rebuild,
    RebuildError,
    Summary,
)

#: Without a terminal, a progress line after every this many tweets.
PLAIN_EVERY: Final = 1000

REBUILD_HELP = """Refill feeds from the stored tweets, term timelines, subscriptions and hot spans.

For when the feed store was lost or emptied (a flushed or replaced Redis or
Valkey cache, new feed tables, a switch of STREAMFEED_FEED_BACKEND): every
item the consumer wrote for a tweet is written again, with the same id,
card and time, to the same feeds (a hot term's tweets to the term's feed).
Items a feed still holds are left alone, so it is safe to run over feeds
that are intact, or twice.

Not restored:

\b
- items added through the API (POST /users/{id}/feed, POST /feed-items,
  POST /broadcasts): they are not tweets and cannot be rebuilt;
- what a subscription removed since (or a deleted term's) had brought.
"""


def _user(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> frozenset[str]:
    for value in values:
        try:
            check_user_id(value)
        except InvalidInput as exc:
            raise click.BadParameter(f"{value!r}: {exc}", ctx, param) from None
    return frozenset(values)


def _term(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> frozenset[str]:
    for value in values:
        if not is_term_id(value):
            raise click.BadParameter(
                f"{value!r} is not a term id (t and 20 hex digits; see streamfeed terms list)",
                ctx,
                param,
            )
    return frozenset(values)


@click.group("feeds")
def feeds_group() -> None:
    """Maintain the per-user feeds."""


@feeds_group.command("rebuild", help=REBUILD_HELP)
@click.option(
    "--user",
    "users",
    multiple=True,
    metavar="ID",
    callback=_user,
    help="Only this user's feed (repeatable). Hot terms' feeds are then left alone.",
)
@click.option(
    "--term",
    "terms",
    multiple=True,
    metavar="ID",
    callback=_term,
    help="Only this term's tweets (repeatable).",
)
@click.option("--since", type=IsoTime(), help="Only tweets created at or after this time.")
@click.option(
    "--dry-run", is_flag=True, help="Read and count what would be written; write nothing."
)
@click.option(
    "--batch",
    type=click.IntRange(1, MAX_BATCH),
    default=DEFAULT_BATCH,
    show_default=True,
    help="Tweets per batch (one feeds write and one read per recipient feed each).",
)
def rebuild_command(
    users: frozenset[str],
    terms: frozenset[str],
    since: datetime | None,
    dry_run: bool,
    batch: int,
) -> None:
    options = Options(users=users, terms=terms, since=since, dry_run=dry_run, batch=batch)
    with _failures():
        settings = load_settings()
        job = Rebuild(settings, Feeds.from_settings(settings), options)
        click.echo(_start_line(settings, job, options), err=True)
        if sys.stderr.isatty():
            summary = _with_bar(job)
        else:
            summary = job.run(_plain_progress(options.dry_run))
    click.echo(summary.line(options.dry_run))
    _notes(summary)


@contextmanager
def _failures() -> Iterator[None]:
    """Expected failures as one line: bad settings, a store that is down or refuses."""
    try:
        yield
    except (SettingsError, RebuildError, FeedError, BatchIncomplete) as exc:
        raise CliError(str(exc)) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise CliError(f"DynamoDB: {error.get('Code', '?')}: {error.get('Message', exc)}") from None
    except BotoCoreError as exc:
        raise CliError(f"DynamoDB: {exc}") from None


def _start_line(settings: Settings, job: Rebuild, options: Options) -> str:
    what = "counting what to write in" if options.dry_run else "rebuilding"
    scope = f"the feeds of {_many(len(options.users), 'user')}" if options.users else "the feeds"
    since = f", tweets since {iso_text(options.since)}" if options.since else ""
    return (
        f"{what} {scope} ({settings.feed_backend} backend) from {_many(len(job.terms), 'term')}"
        f" and {_many(job.subscribers.count(), 'subscription')}{since}"
    )


def _many(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _plain_progress(dry_run: bool) -> Progress:
    reported = {"tweets": 0}
    verb = "to write" if dry_run else "written"

    def report(summary: Summary) -> None:
        if summary.tweets // PLAIN_EVERY > reported["tweets"] // PLAIN_EVERY:
            click.echo(
                f"feeds rebuild: {summary.tweets:,} tweets read, "
                f"{summary.deliveries:,} deliveries {verb}, {len(summary.feeds):,} feeds",
                err=True,
            )
        reported["tweets"] = summary.tweets

    return report


def _with_bar(job: Rebuild) -> Summary:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    total = job.count_rows()
    columns = (
        TextColumn("timeline rows"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("rebuild", total=total, status="")

        def report(summary: Summary) -> None:
            status = f"{summary.tweets:,} tweets, {summary.deliveries:,} deliveries"
            bar.update(task, completed=summary.rows, status=status)

        return job.run(report)


def _notes(summary: Summary) -> None:
    if summary.unstored:
        click.echo(
            f"{summary.unstored:,} timeline rows name a tweet not stored yet: "
            "left to the consumer, which is still on them",
            err=True,
        )
    if summary.without_payload:
        click.echo(
            f"{summary.without_payload:,} tweets had no stored stream line: their cards were "
            "made from the tweet rows and lack the author's display name",
            err=True,
        )
