"""``streamfeed stream``: the container's program, successor of ``manage.py stream``."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

import click

from chalicelib.cli.daemon_logging import NOISY, settings_with_logging
from chalicelib.cli.errors import CliError
from chalicelib.settings import Settings
from chalicelib.streamer.assemble import build_streamer, make_pipeline, make_sink, shipped
from chalicelib.streamer.from_file import replay
from chalicelib.streamer.kinesis_sink import KinesisSink
from chalicelib.streamer.pipeline import Pipeline, Sink
from chalicelib.streamer.runner import KeySetLike, StreamerError, StreamOptions
from chalicelib.streamer.spool import Spool

log = logging.getLogger("streamfeed.stream")


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
    # tweepy logs every reconnect at INFO; the streamer logs its own line.
    settings = settings_with_logging((*NOISY, "tweepy"))
    capture = settings.capture_retweets if capture_retweets is None else capture_retweets
    sink, spool = make_sink(settings, to_file, capture)
    pipeline = make_pipeline(settings, sink)
    if from_file is not None:
        _replay_file(from_file, pipeline, sink)
        return
    options = StreamOptions(
        poll_interval=poll_interval or settings.poll_interval,
        sample=sample,
        backfill_minutes=settings.backfill_minutes
        if backfill_minutes is None
        else backfill_minutes,
    )
    supervise = settings.prevent_exit if prevent_exit is None else prevent_exit
    _run_live(settings, keys_name, pipeline, spool, options, supervise)


def _replay_file(source: str, pipeline: Pipeline, sink: Sink) -> None:
    sink.start()
    try:
        result = replay(source, pipeline)
    except OSError as exc:
        sink.close()
        raise CliError(f"cannot read {source}: {exc.strerror or exc}") from None
    sink.close()
    for number, why in result.bad[:20]:
        click.echo(f"line {number}: {why}", err=True)
    if len(result.bad) > 20:
        click.echo(f"… and {len(result.bad) - 20} more bad lines", err=True)
    click.echo(
        f"read {result.read} lines, sent {result.sent} tweets, {len(result.bad)} bad lines",
        err=True,
    )


def _resolve_keyset(settings: Settings, keys_name: str | None) -> KeySetLike:
    from chalicelib.keysets import KeySetError, resolve_keyset

    try:
        return resolve_keyset(settings, keys_name)
    except KeySetError as exc:
        raise CliError(str(exc)) from None


def _run_live(
    settings: Settings,
    keys_name: str | None,
    pipeline: Pipeline,
    spool: Spool | None,
    options: StreamOptions,
    supervise: bool,
) -> None:
    """Run the streamer; with ``supervise``, restart it after a crash with backoff.

    Supervised, even a missing key set is waited out (an operator may store it
    after the task starts), so ECS never sees a crash loop on a fresh stack.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: flushing and stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    delay, shipped_before = 1.0, 0
    while True:
        try:
            keyset = _resolve_keyset(settings, keys_name)
        except CliError as exc:
            if not supervise:
                raise
            log.error("%s; retrying in %.0f s", exc, delay)
            if stop.wait(delay):
                return
            delay = min(delay * 2, 60.0)
            continue
        streamer = build_streamer(
            settings, keyset, pipeline, spool, options, stop, shipped_before=shipped_before
        )
        try:
            streamer.run()
            return
        except StreamerError as exc:
            if not supervise:
                raise CliError(str(exc)) from None
            log.error("streamer stopped: %s; restarting in %.0f s", exc, delay)
        except Exception:
            if not supervise:
                raise
            log.exception("streamer crashed; restarting in %.0f s", delay)
        if stop.wait(delay):
            return
        delay = min(delay * 2, 60.0)
        shipped_before = shipped(pipeline.sink, shipped_before)
        if isinstance(pipeline.sink, KinesisSink):  # its thread has ended; start a new one
            pipeline.sink, spool = make_sink(settings)
