"""Ship stream lines to Kinesis in compressed batches, without losing any.

The stream thread only appends to a list under a lock, so reading from X never
waits on compression or the network. A shipper thread packs records, calls
PutRecords, retries the failed records of a partial failure in order with
backoff, and once Kinesis has failed for ``spool_after`` seconds it appends to
the spool instead, replaying it in order when Kinesis answers again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import records
from chalicelib.records import Entry
from chalicelib.streamer.packing import Limits, Packer, Sealed, batches
from chalicelib.streamer.spool import Spool

log = logging.getLogger(__name__)


@dataclass
class ShipperStats:
    shipped: int = 0
    records: int = 0
    put_calls: int = 0
    failed_records: int = 0
    spooled: int = 0
    replayed: int = 0
    last_error: str | None = None


@dataclass
class KinesisSink:
    client: Any
    stream_name: str
    spool: Spool
    limits: Limits = field(default_factory=Limits)
    spool_after: float = 5.0
    #: The stream thread waits (backpressure) above this many unshipped lines.
    max_pending: int = 200_000
    clock: Callable[[], float] = time.monotonic
    stats: ShipperStats = field(default_factory=ShipperStats)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._inbox: list[Entry] = []
        self._inbox_since: float | None = None
        self._closing = False
        self._failing_since: float | None = None
        self._next_drain = 0.0
        self._seq = random.randrange(1 << 30)
        self._thread = threading.Thread(target=self._run, name="kinesis-shipper", daemon=True)

    # -- the stream thread's side ------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def put(self, entry: Entry) -> None:
        with self._cond:
            while len(self._inbox) >= self.max_pending and not self._closing:
                self._cond.wait(0.1)
            if not self._inbox:
                self._inbox_since = self.clock()
            self._inbox.append(entry)
            if len(self._inbox) >= self.limits.record_entries:
                self._cond.notify_all()

    def close(self, timeout: float = 20.0) -> None:
        """Ship what is pending within ``timeout``; spool the rest."""
        with self._cond:
            self._closing = True
            self._deadline = self.clock() + timeout
            self._cond.notify_all()
        self._thread.join(timeout + 5)

    @property
    def pending(self) -> int:
        return len(self._inbox)

    # -- the shipper thread ------------------------------------------------
    def _run(self) -> None:
        packer = Packer(self.limits)
        while True:
            with self._cond:
                if not self._closing and not self._inbox_due():
                    self._cond.wait(min(0.05, self.limits.linger_s))
                taken, self._inbox = self._inbox, []
                since, self._inbox_since = self._inbox_since, None
                closing = self._closing
                self._cond.notify_all()
            ready: list[Sealed] = []
            now = self.clock()
            for entry in taken:
                ready.extend(packer.add(entry, since if since is not None else now))
            if closing or packer.due(now) or ready:
                ready.extend(packer.cut())
            try:
                self._ship(ready)
            except Exception as exc:
                log.exception("shipping failed; spooling")
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                self._spool(ready)
            if closing:
                self._finish()
                return

    def _inbox_due(self) -> bool:
        if not self._inbox or self._inbox_since is None:
            return False
        full = len(self._inbox) >= self.limits.record_entries
        return full or self.clock() - self._inbox_since >= self.limits.linger_s

    def _ship(self, ready: list[Sealed]) -> None:
        if self.spool:
            self._spool(ready)
            self._drain()
            return
        groups = batches(ready, self.limits)
        for index, batch in enumerate(groups):
            if not self._put_until_spooling(batch):
                self._spool([record for later in groups[index + 1 :] for record in later])
                return

    def _put_until_spooling(self, batch: list[Sealed]) -> bool:
        """Put ``batch``, retrying failures; False once it went to the spool."""
        delay = 0.1
        while batch:
            batch = self._put(batch)
            if not batch:
                self._failing_since = None
                return True
            now = self.clock()
            self._failing_since = self._failing_since or now
            if now - self._failing_since >= self.spool_after or self._past_deadline():
                self._spool(batch)
                return False
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)
        return True

    def _put(self, batch: list[Sealed]) -> list[Sealed]:
        """One PutRecords call; returns the records that failed, in order."""
        entries = []
        for record in batch:
            self._seq += 1
            entries.append({"Data": record.data, "PartitionKey": str(self._seq)})
        self.stats.put_calls += 1
        try:
            response = self.client.put_records(StreamName=self.stream_name, Records=entries)
        except (BotoCoreError, ClientError) as exc:
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            self.stats.failed_records += len(batch)
            return batch
        failed = []
        for record, result in zip(batch, response["Records"], strict=True):
            if "ErrorCode" in result:
                failed.append(record)
                self.stats.last_error = f"{result['ErrorCode']}: {result.get('ErrorMessage')}"
            else:
                self.stats.shipped += record.entries
                self.stats.records += 1
        self.stats.failed_records += len(failed)
        return failed

    def _spool(self, records: list[Sealed]) -> None:
        if records:
            self.spool.append([r.data for r in records])
            self.stats.spooled += sum(r.entries for r in records)

    def _drain(self) -> None:
        """Replay the spool oldest first while Kinesis accepts it."""
        now = self.clock()
        if now < self._next_drain and not self._closing:
            return
        while self.spool:
            data, offset = self.spool.read_batch(self.limits.batch_records, self.limits.batch_bytes)
            if not data:
                return
            batch = [Sealed(d, records.entry_count(d)) for d in data]
            failed = self._put(batch)
            for _ in range(3):
                if not failed:
                    break
                time.sleep(0.2)
                failed = self._put(failed)
            if failed:
                self._next_drain = self.clock() + 1.0
                return
            self.spool.confirm(offset, len(data))
            self.stats.replayed += sum(r.entries for r in batch)
            if self._past_deadline():
                return

    def _past_deadline(self) -> bool:
        return self._closing and self.clock() > getattr(self, "_deadline", 0.0)

    def _finish(self) -> None:
        if self.spool and not self._past_deadline():
            self._drain()
