"""``streamfeed import tweets`` and ``streamfeed import feeds``: bring the data you have.

Tweets go through the same pipeline as the live stream (to Kinesis, then the
consumer), so they reach term timelines and subscribers' feeds as if X had
sent them; feed items go straight into the configured feed backend.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from chalicelib import terms
from chalicelib.core.errors import ServiceError
from chalicelib.core.settings import Settings
from streamer.assemble import make_pipeline, make_sink
from streamer.main import STREAM_NOISY
from tools.cli.daemon_logging import settings_with_logging
from tools.cli.errors import CliError
from tools.cli.stream import replay_files


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
