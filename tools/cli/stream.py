"""``streamfeed stream``: the streamer container's program, with local options.

The container runs ``python -m streamer`` (:mod:`streamer.main`); this command
runs the same loop, and can also write to a file or stdout, replay one, take
the sample stream, or run with no cloud at all (:mod:`tools.cli.offline`).
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import click

from streamer.assemble import CloudSetup, make_pipeline, make_sink
from streamer.control import OfflineSetup, Setup
from streamer.main import STREAM_NOISY, run_live
from streamer.pipeline import Pipeline, Sink
from streamer.runner import StreamerError, StreamOptions
from tools.cli.daemon_logging import settings_with_logging
from tools.cli.errors import CliError
from tools.cli.offline import TOKEN_ENV, read_rules_file, read_token, rule_set
from tools.filereplay import Replay, replay

OFFLINE_OPTIONS = "--rule, --rules-file and --bearer-token-file"


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
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    metavar="PATH|-",
    help="Append tweets as JSON lines to PATH (- for stdout) instead of Kinesis.",
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
    help="With --to-file: write retweets' originals as lines of their own (default "
    "STREAMFEED_CAPTURE_RETWEETS). With Kinesis the consumer's STREAMFEED_CAPTURE_RETWEETS "
    "decides, so the flag is refused there.",
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
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="VALUE",
    help="Offline: stream this X rule (repeatable) instead of the terms table.",
)
@click.option(
    "--rules-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Offline: one rule per line ('# ' starts a comment; #tag is a rule).",
)
@click.option(
    "--bearer-token-file",
    default=None,
    metavar="PATH|-",
    help=f"Offline: the X bearer token is this file's first line (- for stdin); "
    f"without it, {TOKEN_ENV}.",
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
    rules: tuple[str, ...],
    rules_file: Path | None,
    bearer_token_file: str | None,
) -> None:
    """Stream tweets matching the terms table from X into Kinesis (or a file).

    Offline, with no cloud at all (any of --rule, --rules-file or
    --bearer-token-file turns it on): the rules come from --rule VALUE
    (repeatable) or --rules-file PATH instead of the terms table (or use
    --sample), the token from --bearer-token-file or STREAMFEED_BEARER_TOKEN
    instead of a key set, and the lines go to --to-file PATH|-. There is then
    no lease (two offline streamers on one X app both connect, and X refuses
    the second), no status record and no CloudWatch metrics.
    """
    if capture_retweets is not None and to_file is None:
        flag = "--capture-retweets" if capture_retweets else "--no-capture-retweets"
        raise CliError(
            f"{flag} applies to --to-file only: with Kinesis, the consumer's "
            "STREAMFEED_CAPTURE_RETWEETS decides whether retweets' originals are stored",
            exit_code=2,
        )
    offline = bool(rules or rules_file or bearer_token_file)
    if offline:
        _check_offline(keys_name, to_file, from_file, sample, bool(rules or rules_file))
    settings = settings_with_logging(STREAM_NOISY)
    capture = settings.capture_retweets if capture_retweets is None else capture_retweets
    setup: Setup = CloudSetup(settings, keys_name)
    if offline:
        values = [*rules, *(read_rules_file(rules_file) if rules_file else [])]
        setup = OfflineSetup(read_token(bearer_token_file), rule_set(values))
    on_closed = _stop_this_process if from_file is None else None
    sink, spool = make_sink(settings, to_file, capture, on_closed=on_closed)
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
        run_live(settings, setup, pipeline, spool, options, supervise)
    except StreamerError as exc:
        raise CliError(str(exc)) from None


def _check_offline(
    keys_name: str | None, to_file: Path | None, from_file: str | None, sample: bool, ruled: bool
) -> None:
    """The offline options make sense together, or one line says what is wrong."""
    problem = None
    if keys_name is not None:
        problem = (
            f"KEYS_NAME reads a key set from the cloud; with {OFFLINE_OPTIONS} the token "
            f"comes from --bearer-token-file or {TOKEN_ENV}"
        )
    elif from_file is not None:
        problem = f"--from-file replays a file: it takes none of {OFFLINE_OPTIONS}"
    elif to_file is None:
        problem = f"{OFFLINE_OPTIONS} stream with no cloud, so they need --to-file PATH|-"
    elif sample and ruled:
        problem = "--sample reads the unfiltered sample stream: it takes no --rule or --rules-file"
    elif not sample and not ruled:
        problem = "offline, the rules come from --rule VALUE or --rules-file PATH (or use --sample)"
    if problem is not None:
        raise CliError(problem, exit_code=2)


def _stop_this_process() -> None:
    """stdout's reader went away: stop as SIGTERM stops the streamer (flush, exit 0)."""
    os.kill(os.getpid(), signal.SIGTERM)


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
