"""The container's program: ``python -m streamer [KEYS_NAME]``.

ECS runs it with no arguments: every option is a ``STREAMFEED_*`` setting, and
the key set is the default one unless named. ``streamfeed stream`` (the local
CLI) runs the same :func:`run_live` with its extra options (a file sink, a
replay, the sample stream, the offline setup).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from chalicelib.core.settings import Settings, SettingsError, load_settings
from streamer.assemble import CloudSetup, build_streamer, make_pipeline, make_sink, shipped
from streamer.control import Setup
from streamer.kinesis_sink import KinesisSink
from streamer.logsetup import NOISY, configure_logging
from streamer.pipeline import Pipeline
from streamer.runner import StreamerError, StreamOptions
from streamer.spool import Spool

log = logging.getLogger("streamfeed.stream")

#: tweepy logs every reconnect at INFO; the streamer logs its own line.
STREAM_NOISY = (*NOISY, "tweepy")


def options_from(settings: Settings) -> StreamOptions:
    return StreamOptions(
        poll_interval=settings.poll_interval, backfill_minutes=settings.backfill_minutes
    )


def run_live(
    settings: Settings,
    setup: Setup,
    pipeline: Pipeline,
    spool: Spool | None,
    options: StreamOptions,
    supervise: bool,
) -> None:
    """Run the streamer until SIGTERM or SIGINT; with ``supervise``, restart it
    after a crash with backoff.

    ``setup`` gives the key set and what the streamer coordinates through
    (:class:`~streamer.assemble.CloudSetup` in the container). Supervised,
    even a missing key set is waited out (an operator may store it after the
    task starts), so ECS never sees a crash loop on a fresh stack.
    Unsupervised, a failure raises :class:`StreamerError` (one line).
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
            keyset = setup.keyset()
        except StreamerError as exc:
            if not supervise:
                raise
            log.error("%s; retrying in %.0f s", exc, delay)
            if stop.wait(delay):
                return
            delay = min(delay * 2, 60.0)
            continue
        streamer = build_streamer(
            settings,
            keyset,
            pipeline,
            spool,
            options,
            stop,
            shipped_before=shipped_before,
            control=setup.control(keyset, options),
        )
        try:
            streamer.run()
            return
        except StreamerError as exc:
            if not supervise:
                raise
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m streamer",
        description="Stream tweets matching the terms table from X into Kinesis. "
        "Options are STREAMFEED_* settings (see the README).",
    )
    parser.add_argument("keys_name", nargs="?", help="key set to use (default: the default one)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """The container's entry point; a failure is one line on stderr and a non-zero exit."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"streamer: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, noisy=STREAM_NOISY)
    sink, spool = make_sink(settings, None, settings.capture_retweets)
    pipeline = make_pipeline(settings, sink)
    try:
        run_live(
            settings,
            CloudSetup(settings, args.keys_name),
            pipeline,
            spool,
            options_from(settings),
            settings.prevent_exit,
        )
    except StreamerError as exc:
        print(f"streamer: {exc}", file=sys.stderr)
        return 1
    return 0
