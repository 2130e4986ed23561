"""``streamfeed import tweets`` and ``streamfeed import feeds``: bring the data you have.

Tweets go through the same pipeline as the live stream (to Kinesis, then the
consumer), so they reach term timelines and subscribers' feeds as if X had
sent them; feed items go straight into the configured feed backend.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from datetime import tzinfo

import click
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import terms
from chalicelib.core.errors import ServiceError
from chalicelib.core.settings import Settings, SettingsError, load_settings
from chalicelib.feeds import FeedError, Feeds
from streamer.assemble import make_pipeline, make_sink
from streamer.main import STREAM_NOISY
from tools.cli.daemon_logging import settings_with_logging
from tools.cli.errors import CliError
from tools.cli.params import ZoneName
from tools.cli.stream import replay_files
from tools.importing.feedimport import DEFAULT_BATCH, FeedImport, import_feeds
from tools.importing.feeditems import BadRow, FeedRow, detect_format, rows
from tools.importing.sources import Source, open_source


@click.group("import")
def import_group() -> None:
    """Import tweets (v2, twarc2, v1.1 archives) or feed items into this stage."""


@import_group.command("tweets")
@click.argument("sources", nargs=-1, required=True, metavar="FILE...|-")
@click.option(
    "--term",
    "term_specs",
    multiple=True,
    metavar="VALUE|ID",
    help="Assign every imported tweet to this term (repeatable): it reaches the term's "
    "timeline and subscribers.",
)
def import_tweets(sources: tuple[str, ...], term_specs: tuple[str, ...]) -> None:
    """Import tweets from JSON lines files (gzip too; '-' reads stdin).

    Each line may be a v2 stream line (what `stream --to-file` writes), a twarc2
    stream line or search/timeline page, or a v1.1 or v2 tweet object. A bad
    line is reported with its number and skipped; importing a file again stores
    nothing new.
    """
    settings = settings_with_logging(STREAM_NOISY)
    term_ids = resolve_terms(settings, term_specs)
    sink, _ = make_sink(settings, None, settings.capture_retweets)
    replay_files(sources, make_pipeline(settings, sink), sink, term_ids)


@import_group.command("feeds")
@click.argument("source", metavar="FILE|-")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "jsonl", "csv"]),
    default="auto",
    show_default=True,
    help="JSON lines or CSV with a header (auto: JSON lines if the first line is an object).",
)
@click.option(
    "--naive-times",
    "naive",
    type=ZoneName(),
    default=None,
    metavar="UTC|ZONE",
    help="How to read times without a zone (django-user-streams' default): UTC or a zone "
    "name such as Europe/Paris. Without it such a row is refused.",
)
@click.option(
    "--batch", type=click.IntRange(1, 10_000), default=DEFAULT_BATCH, show_default=True,
    help="Rows per write.",
)  # fmt: skip
def import_feeds_command(source: str, fmt: str, naive: tzinfo | None, batch: int) -> None:
    """Import feed items (user, content, created_at, optional item_id) into the feeds.

    Items go in through the many-items API of the configured backend; items a
    feed already holds are skipped, so importing a file again adds nothing.
    """
    try:
        settings = load_settings()
        feeds = Feeds.from_settings(settings)
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    try:
        with open_source(source) as opened:
            numbered = list(opened.numbered()) if fmt == "auto" else opened.numbered()
            chosen = fmt
            if fmt == "auto":
                first = next((line for _, line in numbered if line.strip()), b"")
                chosen = detect_format(first)
            result = _run_feed_import(feeds, rows(numbered, chosen, naive), batch, opened)
    except OSError as exc:
        raise CliError(f"cannot read {source}: {exc.strerror or exc}") from None
    except (FeedError, BotoCoreError, ClientError) as exc:
        raise CliError(f"the feeds refused the import: {exc}") from None
    for number, why in result.bad[:20]:
        click.echo(f"line {number}: {why}", err=True)
    if len(result.bad) > 20:
        click.echo(f"… and {len(result.bad) - 20} more bad rows", err=True)
    click.echo(result.line())


def _run_feed_import(
    feeds: Feeds, rows_: Iterable[tuple[int, FeedRow | BadRow]], batch: int, opened: Source
) -> FeedImport:
    if opened.size is None or not sys.stderr.isatty():
        return import_feeds(feeds, rows_, batch=batch)
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    columns = (TextColumn("importing {task.description}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(opened.name, total=opened.size)
        return import_feeds(
            feeds,
            rows_,
            batch=batch,
            progress=lambda _: bar.update(task, completed=opened.position()),
        )


def resolve_terms(settings: Settings, specs: Sequence[str]) -> list[str]:
    """Term ids for ``--term`` values: an id, or a rule exactly as written."""
    found = []
    for spec in specs:
        try:
            if terms.is_term_id(spec):
                term = terms.find_term(settings, term_id=spec)
            else:
                term = terms.find_term(settings, value=spec)
        except ServiceError as exc:
            raise CliError(f"--term {spec}: {exc}") from None
        found.append(term.term_id)
    return found
