"""``streamfeed stream``: the streamer container's program, with local options.

The container runs ``python -m streamer`` (:mod:`streamer.main`); this command
runs the same loop, and can also write to a file, replay one, or take the
sample stream.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import click

from streamer.assemble import make_pipeline, make_sink
from streamer.main import STREAM_NOISY, run_live
from streamer.pipeline import Pipeline, Sink
from streamer.runner import StreamerError, StreamOptions
from tools.cli.daemon_logging import settings_with_logging
from tools.cli.errors import CliError
from tools.filereplay import Replay, replay


@click.command("stream")
@click.argument("keys_name", required=False)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.05, max=3600),
    default=None,
    help="Seconds between terms-table reads and status writes (default 10).",
)
@click.option(
    "--to-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Append tweets as JSON lines to PATH instead of Kinesis.",
)
@click.option(
    "--from-file",
    "from_file",
    default=None,
    metavar="PATH|-",
    help="Read JSON lines from PATH (or stdin with -) instead of X.",
)
@click.option("--sample", is_flag=True, help="The unfiltered sample stream instead of rules.")
@click.option(
    "--capture-retweets/--no-capture-retweets",
    default=None,
    help="Keep retweets' originals as tweets of their own.",
)
@click.option(
    "--prevent-exit", is_flag=True, default=None, help="Restart after any crash, with backoff."
)
@click.option(
    "--backfill-minutes",
    type=click.IntRange(0, 5),
    default=None,
    help="Ask X to re-send up to 5 minutes on every connect (higher tiers; "
    "default STREAMFEED_BACKFILL_MINUTES, else 0).",
)
def stream(
    keys_name: str | None,
    poll_interval: float | None,
    to_file: Path | None,
    from_file: str | None,
    sample: bool,
    capture_retweets: bool | None,
    prevent_exit: bool | None,
    backfill_minutes: int | None,
) -> None:
    """Stream tweets matching the terms table from X into Kinesis (or a file)."""
    settings = settings_with_logging(STREAM_NOISY)
    capture = settings.capture_retweets if capture_retweets is None else capture_retweets
    sink, spool = make_sink(settings, to_file, capture)
    pipeline = make_pipeline(settings, sink)
    if from_file is not None:
        replay_files([from_file], pipeline, sink)
        return
    options = StreamOptions(
        poll_interval=poll_interval or settings.poll_interval,
        sample=sample,
        backfill_minutes=settings.backfill_minutes
        if backfill_minutes is None
        else backfill_minutes,
    )
    supervise = settings.prevent_exit if prevent_exit is None else prevent_exit
    try:
        run_live(settings, keys_name, pipeline, spool, options, supervise)
    except StreamerError as exc:
        raise CliError(str(exc)) from None


def replay_files(
    sources: Sequence[str], pipeline: Pipeline, sink: Sink, term_ids: Sequence[str] = ()
) -> None:
    """Send every tweet of ``sources`` down ``pipeline``; report bad lines and a summary."""
    sink.start()
    results: list[Replay] = []
    try:
        for source in sources:
            try:
                results.append(replay(source, pipeline, term_ids=term_ids))
            except OSError as exc:
                raise CliError(f"cannot read {source}: {exc.strerror or exc}") from None
            except EOFError:
                raise CliError(f"{source} ends in the middle of its gzip data") from None
    finally:
        sink.close()
    for source, result in zip(sources, results, strict=False):
        prefix = f"{source}: " if len(sources) > 1 else ""
        for number, why in result.bad[:20]:
            click.echo(f"{prefix}line {number}: {why}", err=True)
        if len(result.bad) > 20:
            click.echo(f"{prefix}… and {len(result.bad) - 20} more bad lines", err=True)
    kinds: Counter[str] = Counter()
    for result in results:
        kinds.update(result.kinds)
    what = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in kinds.most_common())
    click.echo(
        f"read {sum(r.read for r in results)} lines ({what or 'no tweets'}), "
        f"sent {sum(r.sent for r in results)} tweets, "
        f"{sum(len(r.bad) for r in results)} bad lines",
        err=True,
    )
