"""``streamfeed export tweets``: stored tweets out as v2 stream lines (JSONL)."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import IO

import click
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.settings import SettingsError, load_settings
from tools.cli.errors import CliError
from tools.cli.imports import resolve_terms
from tools.cli.params import IsoTime
from tools.importing.export import export_tweets


@click.group("export")
def export_group() -> None:
    """Export this stage's data for another stage or tool."""


@export_group.command("tweets")
@click.option(
    "--term",
    "term_specs",
    multiple=True,
    metavar="VALUE|ID",
    help="Only this term's tweets (repeatable); without it, every stored tweet.",
)
@click.option("--since", type=IsoTime(), help="Only tweets created at or after this time.")
@click.option("--until", type=IsoTime(), help="Only tweets created before this time.")
@click.option(
    "--out", "out_path", default="-", metavar="PATH|-", help="Where to write (default: stdout)."
)
def export_tweets_command(
    term_specs: tuple[str, ...], since: datetime | None, until: datetime | None, out_path: str
) -> None:
    """Write stored tweets as JSON lines in X's v2 stream shape (oldest first with --term).

    `streamfeed import tweets` reads them back, on this stage or another.
    """
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    term_ids = resolve_terms(settings, term_specs)
    try:
        with _output(out_path) as out:
            result = export_tweets(settings, out, term_ids=term_ids, since=since, until=until)
    except OSError as exc:
        raise CliError(f"cannot write {out_path}: {exc.strerror or exc}") from None
    except (BotoCoreError, ClientError) as exc:
        raise CliError(f"cannot read the stored tweets: {exc}") from None
    note = f" ({result.without_line} without their stream line)" if result.without_line else ""
    click.echo(f"exported {result.tweets} tweets{note}", err=True)


def _output(path: str) -> AbstractContextManager[IO[bytes]]:
    """stdout for ``-`` (left open), else the file."""
    return nullcontext(sys.stdout.buffer) if path == "-" else Path(path).open("wb")
