"""The local event source runner: Lambda's Kinesis polling, for the local cloud.

``streamfeed consume`` runs this. It finds every shard of the stream, gives
each a :class:`~tools.eventsource.shards.ShardWorker` thread (shards are
independent, so they run in parallel, each in order), and invokes the same
handler Lambda runs (``app.consume_tweets``, middleware and all) with the
settings of :mod:`chalicelib.consumer.mapping`.

Resharding follows Lambda's rule: a shard is read only once its parents (both
of them, after a merge) are read to their ends and every record in them is
done, so a partition key's records are handled in order across a reshard. A
parent that finishes wakes the runner, which then starts the children at once.

Metrics: the handler prints EMF as it does in Lambda, and the runner also puts
the same counts to the local CloudWatch (:mod:`tools.eventsource.localmetrics`),
where the status page reads them.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib.consumer import telemetry
from chalicelib.consumer.mapping import HANDLER_NAME, MAPPING, EventSourceMapping
from chalicelib.consumer.quarantine import DeadLetterQueue
from chalicelib.core import aws, resources
from chalicelib.core.settings import Settings
from tools.eventsource.checkpoints import Checkpoints
from tools.eventsource.events import LocalContext
from tools.eventsource.localmetrics import CloudWatchForwarder
from tools.eventsource.shards import Invoke, Pacing, ShardStats, ShardWorker, Wiring

log = logging.getLogger(__name__)

#: How often a shard that just returned records is polled again: Kinesis allows
#: five GetRecords calls a second per shard. From there an idle shard backs off,
#: doubling, to the pacing's ``poll_interval``.
BUSY_POLL_INTERVAL = 0.2


class HandlerError(RuntimeError):
    """The handler to invoke cannot be loaded or does not match the settings."""


@dataclass
class RunReport:
    """Per shard: what the runner did."""

    shards: dict[str, ShardStats] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return sum(s.records for s in self.shards.values())


class Runner:
    """Poll every shard of ``settings.kinesis_stream`` and invoke ``invoke`` like Lambda."""

    def __init__(
        self,
        settings: Settings,
        invoke: Invoke,
        *,
        mapping: EventSourceMapping = MAPPING,
        pacing: Pacing | None = None,
        function_name: str = HANDLER_NAME,
        rediscover_every: float = 30.0,
        cloudwatch_metrics: bool = True,
        metrics_every: float = 10.0,
    ) -> None:
        self.settings = settings
        self.stop_event = threading.Event()
        #: Set by :meth:`stop` and whenever a shard worker ends (a parent may be done).
        self.wake = threading.Event()
        self.rediscover_every = rediscover_every
        self.metrics_every = metrics_every
        self.metrics = (
            CloudWatchForwarder(aws.client(settings, "cloudwatch"), settings)
            if cloudwatch_metrics
            else None
        )
        kinesis = aws.client(settings, "kinesis")
        stream = settings.kinesis_stream
        summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
        function_arn = (
            f"arn:aws:lambda:{settings.region}:000000000000:function:"
            f"{settings.prefix}-{function_name}"
        )
        self.wiring = Wiring(
            kinesis=kinesis,
            stream=stream,
            stream_arn=summary["StreamARN"],
            region=settings.region,
            checkpoints=Checkpoints(settings, stream),
            dead_letters=DeadLetterQueue(aws.client(settings, "sqs"), settings.dead_letter_queue),
            invoke=invoke,
            context=lambda: LocalContext(
                function_name=function_name,
                invoked_function_arn=function_arn,
                log_group_name=f"/aws/lambda/{settings.prefix}-{function_name}",
            ),
            mapping=mapping,
            pacing=pacing or Pacing(),
            stop=self.stop_event,
        )

    def stop(self) -> None:
        """Finish the current invocations, save checkpoints, return from ``run``."""
        self.stop_event.set()
        self.wake.set()

    def run(self, *, until_idle: bool = False) -> RunReport:
        """Work until :meth:`stop` (or, with ``until_idle``, until every shard is drained)."""
        if self.metrics is not None:
            telemetry.add_listener(self.metrics)
        try:
            return self._run(until_idle)
        finally:
            if self.metrics is not None:
                telemetry.remove_listener(self.metrics)
                self.metrics.flush()

    def _run(self, until_idle: bool) -> RunReport:
        report = RunReport()
        threads: dict[str, threading.Thread] = {}
        errors: list[BaseException] = []
        while True:
            self.wake.clear()
            try:
                ready = self._ready_shards(report)
            except (BotoCoreError, ClientError, PynamoDBException):
                # Kinesis or DynamoDB away for a moment: the workers retry, and so does this.
                log.exception("looking for shards failed; retrying")
                if self.stop_event.wait(self.wiring.pacing.retry_cap):
                    break
                continue
            for shard_id in ready:
                if shard_id in threads:
                    continue
                worker = ShardWorker(backing_off(self.wiring), shard_id)
                report.shards[shard_id] = worker.stats
                threads[shard_id] = threading.Thread(
                    target=_guard(worker.run, errors, self.stop_event, self.wake),
                    kwargs={"until_idle": until_idle},
                    name=f"consume-{shard_id}",
                    daemon=True,
                )
                threads[shard_id].start()
            if until_idle:
                # Drained shards finish; closed ones may have opened their children.
                _join(threads.values())
                if self.stop_event.is_set() or not self._ready_shards(report) - threads.keys():
                    break
                continue
            self._idle()
            if self.stop_event.is_set():
                break
        _join(threads.values())
        if errors:
            raise errors[0]
        return report

    def _idle(self) -> None:
        """Wait for a worker to end, a stop, or the next look for shards; put metrics meanwhile."""
        deadline = time.monotonic() + self.rediscover_every
        while not self.stop_event.is_set():
            left = deadline - time.monotonic()
            woke = left <= 0 or self.wake.wait(min(left, self.metrics_every))
            if self.metrics is not None:
                self.metrics.flush()
            if woke:
                return

    def _ready_shards(self, report: RunReport) -> set[str]:
        """Shards to read now: open ones whose parent (if any) is read to its end."""
        kinesis = self.wiring.kinesis
        shards: list[dict[str, Any]] = []
        request: dict[str, Any] = {"StreamName": self.wiring.stream}
        while True:
            page = kinesis.list_shards(**request)
            shards += page.get("Shards", [])
            token = page.get("NextToken")
            if not token:
                break
            request = {"NextToken": token}
        done = {shard for shard, stats in report.shards.items() if stats.closed}
        done |= {s for s, c in self.wiring.checkpoints.all().items() if c.closed}
        return ready_shards(shards, done)


def backing_off(wiring: Wiring) -> Wiring:
    """One shard's wiring, whose poll interval follows what the shard returns."""
    own = replace(wiring)
    own.kinesis = BackOff(wiring.kinesis, own)
    return own


class BackOff:
    """A shard's Kinesis client that sets its worker's poll interval after each read.

    Records: poll again after ``BUSY_POLL_INTERVAL``, so a trickle of records
    is picked up within a fraction of a second. Nothing: double the wait, up to
    the configured ``poll_interval``, so an idle shard costs what it did.
    Everything else is the client itself.
    """

    def __init__(self, kinesis: Any, wiring: Wiring) -> None:
        self._kinesis = kinesis
        self._wiring = wiring
        self._slowest = wiring.pacing.poll_interval
        self._fastest = min(BUSY_POLL_INTERVAL, self._slowest)
        wiring.pacing = replace(wiring.pacing, poll_interval=self._fastest)

    def get_records(self, **kwargs: Any) -> Any:
        page = self._kinesis.get_records(**kwargs)
        waited = self._wiring.pacing.poll_interval
        wait = self._fastest if page.get("Records") else min(self._slowest, waited * 2)
        if wait != waited:
            self._wiring.pacing = replace(self._wiring.pacing, poll_interval=wait)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kinesis, name)


def ready_shards(shards: Iterable[dict[str, Any]], done: set[str]) -> set[str]:
    """Shards to read: not done, and each parent (merges have two) done or gone.

    A parent no longer listed has aged out of the stream with all its records,
    so nothing of it can still be waiting.
    """
    listed = list(shards)
    known = {s["ShardId"] for s in listed}
    ready: set[str] = set()
    for shard in listed:
        parents = {shard.get("ParentShardId"), shard.get("AdjacentParentShardId")} - {None}
        waiting = {p for p in parents if p in known and p not in done}
        if shard["ShardId"] not in done and not waiting:
            ready.add(shard["ShardId"])
    return ready


def _guard(
    run: Callable[..., ShardStats],
    errors: list[BaseException],
    stop: threading.Event,
    wake: threading.Event,
) -> Callable[..., None]:
    """A worker's thread body: an unexpected error stops the whole runner; an end wakes it."""

    def body(**kwargs: Any) -> None:
        try:
            run(**kwargs)
        except BaseException as exc:
            log.exception("a shard worker died; stopping the runner")
            errors.append(exc)
            stop.set()
        finally:
            wake.set()

    return body


def _join(threads: Iterable[threading.Thread]) -> None:
    """Join in short steps, so the main thread keeps handling signals (Ctrl-C, SIGTERM)."""
    for thread in list(threads):
        while thread.is_alive():
            thread.join(0.2)


def load_handler(spec: str, project_dir: Path, settings: Settings) -> Invoke:
    """The handler ``module:name`` from ``project_dir`` (Chalice's ``app.py`` by default).

    It must be a Kinesis handler on the stream the settings name: the runner
    would otherwise feed it another stage's records.
    """
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise HandlerError(f"handler {spec!r} is not module:function (e.g. app:consume_tweets)")
    root = str(project_dir.resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any import failure is a problem with the handler
        raise HandlerError(f"importing {module_name!r} from {root} failed: {exc}") from exc
    handler = getattr(module, name, None)
    if not callable(handler):
        raise HandlerError(f"{module_name!r} has no handler {name!r}")
    stream = _kinesis_stream_of(module, name)
    if stream is not None and stream != settings.kinesis_stream:
        raise HandlerError(
            f"{spec} listens to stream {stream!r} but the settings name "
            f"{settings.kinesis_stream!r}; set STREAMFEED_STAGE/STREAMFEED_STREAM_NAME the same "
            "way for both"
        )
    invoke: Invoke = handler
    return invoke


def _kinesis_stream_of(module: Any, name: str) -> str | None:
    """The stream a Chalice app registered ``name`` on, if the module holds one."""
    app = getattr(module, "app", None)
    for source in getattr(app, "event_sources", ()):
        if getattr(source, "name", None) == name and hasattr(source, "stream"):
            return str(source.stream)
    return None


def missing_resources(settings: Settings) -> list[str]:
    """Resources the runner needs that do not exist (so the CLI can say which)."""
    missing: list[str] = []
    try:
        aws.client(settings, "kinesis").describe_stream_summary(StreamName=settings.kinesis_stream)
    except Exception:  # noqa: BLE001 - any answer but a summary means "not usable"
        missing.append(f"stream {settings.kinesis_stream}")
    ddb = aws.client(settings, "dynamodb")
    for spec in (resources.CONTROL, resources.TWEETS):
        try:
            ddb.describe_table(TableName=settings.table_name(spec.logical))
        except Exception:  # noqa: BLE001
            missing.append(f"table {settings.table_name(spec.logical)}")
    return missing
