"""``streamfeed consume``: run the consumer against the local Kinesis stream.

Lambda's event source mapping does not exist locally, so this command plays
its part (see ``tools.eventsource.runner``): it polls every shard and invokes
the same handler the Lambda runs, with the same mapping settings. It also plays
CloudWatch's part for the handler's metrics, putting them to the local
CloudWatch so the status page shows lag and stored tweets; turn that off
(``--no-cloudwatch-metrics``) when something else forwards the EMF lines.
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType

import click

from chalicelib.consumer.mapping import HANDLER_NAME, MAPPING
from chalicelib.core.settings import SettingsError
from tools.cli.daemon_logging import settings_with_logging
from tools.cli.errors import CliError
from tools.eventsource.runner import HandlerError, Runner, load_handler, missing_resources
from tools.eventsource.shards import Pacing

log = logging.getLogger("streamfeed.consume")


@click.command("consume")
@click.option(
    "--handler",
    default=f"app:{HANDLER_NAME}",
    show_default=True,
    help="module:function of the Kinesis handler to invoke.",
)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=".",
    show_default=True,
    help="Where the handler's module (Chalice's app.py) is.",
)
@click.option(
    "--until-idle",
    is_flag=True,
    help="Stop once every shard is read to its end (default: run until Ctrl-C or SIGTERM).",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.2, max=60),
    default=1.0,
    show_default=True,
    help="Seconds between polls of an idle shard.",
)
@click.option(
    "--cloudwatch-metrics/--no-cloudwatch-metrics",
    default=True,
    show_default=True,
    help="Put the handler's metrics to CloudWatch every 10 s (EMF lines are printed either way).",
)
def consume(
    handler: str,
    project_dir: Path,
    until_idle: bool,
    poll_interval: float,
    cloudwatch_metrics: bool,
) -> None:
    """Feed the local Kinesis stream to the consumer handler, as Lambda would."""
    settings = settings_with_logging()
    missing = missing_resources(settings)
    if missing:
        raise CliError(
            f"{', '.join(missing)} not found; is the local cloud up "
            "(streamfeed local up) and its env loaded (streamfeed local env)?"
        )
    try:
        invoke = load_handler(handler, project_dir, settings)
    except (HandlerError, SettingsError) as exc:
        raise CliError(str(exc)) from None
    runner = Runner(
        settings,
        invoke,
        pacing=Pacing(poll_interval=poll_interval),
        cloudwatch_metrics=cloudwatch_metrics,
    )
    signals = {"count": 0}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        signals["count"] += 1
        if signals["count"] > 1:
            raise KeyboardInterrupt  # a second signal: leave now
        log.info("%s: finishing the current batches", signal.Signals(signum).name)
        runner.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    click.echo(
        f"consuming {settings.kinesis_stream} with {handler} "
        f"(batch size {MAPPING.batch_size}, window {MAPPING.maximum_batching_window_in_seconds} s,"
        f" {MAPPING.maximum_retry_attempts} retries, dead letters to {settings.dead_letter_queue})",
        err=True,
    )
    report = runner.run(until_idle=until_idle)
    for shard, stats in sorted(report.shards.items()):
        click.echo(
            f"{shard}: {stats.records} records in {stats.invocations} invocations, "
            f"{stats.retries} retries, {stats.dead_lettered} dead-lettered"
            + (" (closed)" if stats.closed else ""),
            err=True,
        )
