"""One shard, driven the way a Lambda event source mapping drives it.

A :class:`ShardWorker` reads its shard from just after its checkpoint, fills a
batch (up to ``batch_size`` records, waiting at most the batching window),
invokes the handler, and then:

- all done: checkpoint the last record, next batch;
- ``batchItemFailures``: checkpoint what came before the lowest failed
  sequence number and retry from it;
- the handler raised: retry, split in halves first if bisecting is on;
- retries exhausted: describe the batch on the dead-letter queue (Lambda's
  on-failure record), checkpoint past it, go on.

Retries back off exponentially; the count restarts whenever the checkpoint
moves. Stopping never interrupts an invocation: the worker finishes the
current one, saves its checkpoint and returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.consumer.mapping import EventSourceMapping
from chalicelib.consumer.quarantine import DeadLetterQueue
from tools.eventsource.checkpoints import Checkpoint, Checkpoints
from tools.eventsource.events import (
    KinesisRecord,
    LocalContext,
    Outcome,
    lambda_event,
    on_failure_message,
    outcome,
)

log = logging.getLogger(__name__)

Invoke = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class Pacing:
    """Timings of the runner (Lambda's are not configurable; these are for tests)."""

    #: Wait between polls of an idle shard (Lambda polls each shard once a second;
    #: a shard allows 5 GetRecords calls a second).
    poll_interval: float = 1.0
    retry_base: float = 0.5
    retry_cap: float = 10.0


@dataclass
class ShardStats:
    invocations: int = 0
    records: int = 0
    retries: int = 0
    dead_lettered: int = 0
    closed: bool = False


@dataclass
class Wiring:
    """What every worker of one runner shares."""

    kinesis: Any
    stream: str
    stream_arn: str
    region: str
    checkpoints: Checkpoints
    dead_letters: DeadLetterQueue
    invoke: Invoke
    context: Callable[[], LocalContext]
    mapping: EventSourceMapping
    pacing: Pacing
    stop: threading.Event


class ShardReader:
    """GetRecords from just after ``after``, surviving expired iterators and throttling."""

    def __init__(self, wiring: Wiring, shard_id: str, after: str | None) -> None:
        self.w = wiring
        self.shard_id = shard_id
        self.last_sequence = after
        self.iterator: str | None = None
        self.closed = False
        self.caught_up = False

    def read(self, limit: int) -> list[KinesisRecord]:
        kinesis = self.w.kinesis
        try:
            if self.iterator is None:
                self.iterator = self._new_iterator()
            page = kinesis.get_records(ShardIterator=self.iterator, Limit=limit)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ExpiredIteratorException":
                self.iterator = None
                return []
            if code not in ("ProvisionedThroughputExceededException", "LimitExceededException"):
                raise
            self.w.stop.wait(self.w.pacing.poll_interval)
            return []
        records: list[KinesisRecord] = page.get("Records", [])
        if records:
            self.last_sequence = records[-1]["SequenceNumber"]
        self.caught_up = not records and page.get("MillisBehindLatest", 0) == 0
        self.iterator = page.get("NextShardIterator")
        self.closed = self.iterator is None
        return records

    def _new_iterator(self) -> str:
        request: dict[str, Any] = {"StreamName": self.w.stream, "ShardId": self.shard_id}
        if self.last_sequence is not None:
            request["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            request["StartingSequenceNumber"] = self.last_sequence
        else:
            request["ShardIteratorType"] = self.w.mapping.starting_position
        return str(self.w.kinesis.get_shard_iterator(**request)["ShardIterator"])


@dataclass
class ShardWorker:
    wiring: Wiring
    shard_id: str
    stats: ShardStats = field(default_factory=ShardStats)

    def run(self, *, until_idle: bool = False) -> ShardStats:
        """Work until stopped (or, with ``until_idle``, until the shard is drained)."""
        w = self.wiring
        start = self._load()
        if start is None:
            return self.stats  # stopped before DynamoDB answered
        if start.closed:
            self.stats.closed = True
            return self.stats
        reader = ShardReader(w, self.shard_id, start.sequence)
        pending: list[KinesisRecord] = []
        while not w.stop.is_set():
            try:
                pending += self._fill(reader, len(pending))
            except (BotoCoreError, ClientError):
                log.exception("reading %s failed; retrying", self.shard_id)
                w.stop.wait(w.pacing.retry_cap)
                continue
            if w.stop.is_set():
                break  # read but not delivered: not checkpointed, so read again next time
            if pending:
                batch, pending = pending[: w.mapping.batch_size], pending[w.mapping.batch_size :]
                if not self._deliver(batch):
                    return self.stats  # stopped while retrying: the checkpoint says where
            elif reader.closed:
                self._save(Checkpoint(reader.last_sequence, closed=True))
                self.stats.closed = True
                return self.stats
            elif until_idle and reader.caught_up:
                return self.stats
            else:
                w.stop.wait(w.pacing.poll_interval)
        return self.stats

    def _fill(self, reader: ShardReader, have: int) -> list[KinesisRecord]:
        """Records for the next batch: up to the batch size, within the batching window."""
        w = self.wiring
        size = w.mapping.batch_size
        got: list[KinesisRecord] = []
        deadline: float | None = None
        while have + len(got) < size and not w.stop.is_set():
            try:
                page = reader.read(size - have - len(got))
            except (BotoCoreError, ClientError):
                if not got:
                    raise
                # The reader has moved past what this window read: deliver it, or it is lost.
                log.warning("reading %s failed; delivering the %d record(s) read", reader.shard_id,
                            len(got), exc_info=True)  # fmt: skip
                break
            got += page
            if (have or got) and deadline is None:
                deadline = time.monotonic() + w.mapping.maximum_batching_window_in_seconds
            if reader.closed or (not have and not got):
                break  # nothing to wait for
            if deadline is not None and time.monotonic() >= deadline:
                break
            if not page:
                assert deadline is not None
                w.stop.wait(min(w.pacing.poll_interval, max(0.0, deadline - time.monotonic())))
        return got

    def _deliver(self, batch: list[KinesisRecord]) -> bool:
        """Run ``batch`` to completion (done or dead-lettered); False if stopped first."""
        w = self.wiring
        queue = [batch]
        failures = 0
        while queue:
            current = queue[0]
            result = self._invoke(current)
            if result.done:
                self._save(Checkpoint(current[result.done - 1]["SequenceNumber"]))
                self.stats.records += result.done
                failures = 0
            if result.done == len(current):
                queue.pop(0)
                continue
            current = queue[0] = current[result.done :]
            failures += 1
            limit = w.mapping.maximum_retry_attempts
            if limit != -1 and failures > limit:
                if not self._dead_letter(current, result, failures):
                    return False
                queue.pop(0)
                failures = 0
                continue
            self.stats.retries += 1
            bisect = result.function_error and w.mapping.bisect_batch_on_function_error
            if bisect and len(current) > 1:
                half = len(current) // 2
                queue[0:1] = [current[:half], current[half:]]
            delay = min(w.pacing.retry_cap, w.pacing.retry_base * 2 ** (failures - 1))
            if w.stop.wait(delay):
                return False
        return True

    def _invoke(self, batch: list[KinesisRecord]) -> Outcome:
        w = self.wiring
        event = lambda_event(
            batch, shard_id=self.shard_id, stream_arn=w.stream_arn, region=w.region
        )
        self.stats.invocations += 1
        try:
            response = w.invoke(event, w.context())
        except Exception as exc:  # a function error, as Lambda sees it
            log.warning("handler failed on %s: %s", self.shard_id, exc, exc_info=True)
            return Outcome(0, f"{type(exc).__name__}: {exc}", function_error=True)
        return outcome(batch, response)

    def _dead_letter(self, batch: list[KinesisRecord], result: Outcome, tries: int) -> bool:
        """Lambda's on-failure destination: describe the batch, then move past it."""
        w = self.wiring
        message = on_failure_message(
            batch,
            shard_id=self.shard_id,
            stream_arn=w.stream_arn,
            function_arn=w.context().invoked_function_arn,
            invocations=tries,
            error=result.error,
            function_error=result.function_error,
        )
        while True:
            try:
                w.dead_letters.send(message)
                break
            except (BotoCoreError, ClientError):
                log.exception("the dead-letter queue refused a message; retrying")
                if w.stop.wait(w.pacing.retry_cap):
                    return False  # not checkpointed: the batch is read again after a restart
        log.error(
            "%d record(s) of %s failed %d times; described on the dead-letter queue",
            len(batch),
            self.shard_id,
            tries,
        )
        self.stats.dead_lettered += len(batch)
        self._save(Checkpoint(batch[-1]["SequenceNumber"]))
        return True

    def _load(self) -> Checkpoint | None:
        """The checkpoint, retrying until DynamoDB answers; None if the runner stops first."""
        w = self.wiring
        while True:
            try:
                return w.checkpoints.load(self.shard_id)
            except Exception:  # PynamoDB wraps every failure in its own types: keep trying
                log.exception("loading the checkpoint of %s failed; retrying", self.shard_id)
                if w.stop.wait(w.pacing.retry_cap):
                    return None

    def _save(self, checkpoint: Checkpoint) -> None:
        """Save, retrying until it works or the runner stops (then a restart replays a bit)."""
        w = self.wiring
        while True:
            try:
                w.checkpoints.save(self.shard_id, checkpoint)
                return
            except Exception:  # PynamoDB wraps every failure in its own types: keep trying
                log.exception("saving the checkpoint of %s failed; retrying", self.shard_id)
                if w.stop.wait(w.pacing.retry_cap):
                    return
