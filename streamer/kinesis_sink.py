"""Ship stream lines to Kinesis in compressed batches, without losing any.

The stream thread only appends to a list under a lock, so reading from X never
waits on compression or the network. A shipper thread packs records, calls
PutRecords, retries the failed records of a partial failure in order with
backoff, and once Kinesis has failed for ``spool_after`` seconds it appends to
the spool instead, replaying it in order when Kinesis answers again.

Memory stays bounded when Kinesis is merely slow, too: the lines waiting in
the inbox are capped at ``max_pending_bytes``, and once half of that piled up
while the shipper was putting, the shipper sends what it holds, and then every
inbox, to the spool (on disk), while a replayer thread puts the spool to
Kinesis, in order, as fast as Kinesis takes it. The shipper itself then only
packs and appends, so the stream thread waits (X is held back by TCP) only if
one direct PutRecords outlasts the inbox, or the disk cannot keep up.
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

from chalicelib.core import records
from chalicelib.core.records import Entry
from streamer.packing import Limits, Packer, Sealed, batches
from streamer.spool import Spool

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
    #: The stream thread waits (backpressure) above this many unshipped lines...
    max_pending: int = 200_000
    #: ...or this many bytes of them; from half of it the shipper spools (see above).
    max_pending_bytes: int = 8 * 1024 * 1024
    clock: Callable[[], float] = time.monotonic
    stats: ShipperStats = field(default_factory=ShipperStats)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._inbox: list[Entry] = []
        self._inbox_bytes = 0
        self._inbox_since: float | None = None
        self._closing = False
        self._failing_since: float | None = None
        self._next_drain = 0.0
        self._seq = random.randrange(1 << 30)
        #: The shipper's; the stream thread only reads its ``lingering`` hint.
        self._packer = Packer(self.limits)
        self._thread = threading.Thread(target=self._run, name="kinesis-shipper", daemon=True)
        #: One replay of the spool at a time (the replayer's, or the shipper's at close).
        self._drain_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._replay_wake = threading.Event()
        self._replayer = threading.Thread(target=self._replay, name="kinesis-replayer", daemon=True)

    # -- the stream thread's side ------------------------------------------
    def start(self) -> None:
        self._thread.start()
        self._replayer.start()

    def put(self, entry: Entry) -> None:
        with self._cond:
            while self._full() and not self._closing:
                self._cond.wait(0.1)
            # A quiet stream ships at once: wake the shipper for a line into an empty inbox.
            wake = not self._inbox and not self._packer.lingering
            if not self._inbox:
                self._inbox_since = self.clock()
            self._inbox.append(entry)
            self._inbox_bytes += len(entry.line)
            if wake or len(self._inbox) >= self.limits.record_entries or self._behind():
                self._cond.notify_all()

    def close(self, timeout: float = 20.0) -> None:
        """Ship what is pending within ``timeout``; spool the rest."""
        with self._cond:
            self._closing = True
            self._deadline = self.clock() + timeout
            self._cond.notify_all()
        self._replay_wake.set()
        self._thread.join(timeout + 5)
        if self._replayer.is_alive():
            self._replayer.join(5)

    @property
    def pending(self) -> int:
        return len(self._inbox)

    def _full(self) -> bool:
        return len(self._inbox) >= self.max_pending or self._inbox_bytes >= self.max_pending_bytes

    def _behind(self) -> bool:
        """Half the inbox's bytes wait: what the shipper holds goes to the spool instead.

        Read without the lock by the shipper: a stale answer only moves one
        batch between Kinesis and the spool, both of which deliver it.
        """
        return self._inbox_bytes >= self.max_pending_bytes // 2

    # -- the replayer thread -----------------------------------------------
    def _replay(self) -> None:
        """Put the spool to Kinesis whenever it holds records, until the sink closes.

        At close the shipper's ``_finish`` replays what is left, within the deadline.
        """
        while not self._closing:
            self._replay_wake.wait(0.2)
            self._replay_wake.clear()
            if self._closing or not self.spool:
                continue
            try:
                self._drain()
            except Exception as exc:
                log.exception("replaying the spool failed; retrying")
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                time.sleep(1.0)

    # -- the shipper thread ------------------------------------------------
    def _run(self) -> None:
        packer = self._packer
        while True:
            with self._cond:
                if not self._closing and not self._inbox_due():
                    self._cond.wait(self._wait_s())
                taken, self._inbox = self._inbox, []
                behind, self._inbox_bytes = self._behind(), 0
                since, self._inbox_since = self._inbox_since, None
                closing = self._closing
                self._cond.notify_all()
            ready: list[Sealed] = []
            now = self.clock()
            for entry in taken:
                ready.extend(packer.add(entry, since if since is not None else now))
            del taken  # the lines live on compressed in ``ready`` (or the packer)
            if closing or packer.due(now) or ready:
                ready.extend(packer.cut())
            try:
                self._ship(ready, behind=behind and not closing)
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
        waited = self.clock() - self._inbox_since
        return full or not self._packer.lingering or waited >= self.limits.linger_s

    def _wait_s(self) -> float:
        """How long the shipper may sleep: until the packer's record is due, 50 ms at most."""
        now = self.clock()
        due = self._packer.due_at(now)
        cap = max(0.001, min(0.05, self.limits.linger_s))
        return cap if due is None else min(cap, max(0.0, due - now))

    def _ship(self, ready: list[Sealed], *, behind: bool = False) -> None:
        """Put ``ready``; to the spool if it holds records or shipping fell behind.

        ``behind``: half the inbox's bytes had piled up while the last put ran,
        so the lines go to disk at once and the replayer puts them to Kinesis.
        """
        if self.spool or behind:
            self._spool(ready)
            return
        groups = batches(ready, self.limits)
        for index, batch in enumerate(groups):
            if index and self._behind() and not self._closing:
                # Shipping fell behind the stream: the rest goes through the spool (in
                # order), so the inbox can be emptied meanwhile.
                self._spool([record for later in groups[index:] for record in later])
                return
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
            # Spool after ``spool_after`` s of failures, or sooner when the inbox is
            # filling meanwhile (the stream thread would soon have to wait).
            waited = now - self._failing_since
            if waited >= self.spool_after or self._past_deadline() or self._behind():
                self._spool(batch)
                return False
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 2.0)
        return True

    def _put(self, batch: list[Sealed]) -> list[Sealed]:
        """One PutRecords call; returns the records that failed, in order."""
        entries = []
        with self._stats_lock:  # the shipper and the replayer both put
            for record in batch:
                self._seq += 1
                entries.append({"Data": record.data, "PartitionKey": str(self._seq)})
            self.stats.put_calls += 1
        try:
            response = self.client.put_records(StreamName=self.stream_name, Records=entries)
        except (BotoCoreError, ClientError) as exc:
            with self._stats_lock:
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                self.stats.failed_records += len(batch)
            return batch
        failed = []
        with self._stats_lock:
            for record, result in zip(batch, response["Records"], strict=True):
                if "ErrorCode" in result:
                    failed.append(record)
                    error = f"{result['ErrorCode']}: {result.get('ErrorMessage')}"
                    self.stats.last_error = error
                else:
                    self.stats.shipped += record.entries
                    self.stats.records += 1
            self.stats.failed_records += len(failed)
        return failed

    def _spool(self, records: list[Sealed]) -> None:
        if records:
            self.spool.append([r.data for r in records])
            self.stats.spooled += sum(r.entries for r in records)
            self._replay_wake.set()

    def _drain(self) -> None:
        """Replay the spool oldest first while Kinesis accepts it (one thread at a time)."""
        with self._drain_lock:
            self._drain_locked()

    def _drain_locked(self) -> None:
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
            with self._stats_lock:
                self.stats.replayed += sum(r.entries for r in batch)
            if self._past_deadline():
                return

    def _past_deadline(self) -> bool:
        return self._closing and self.clock() > getattr(self, "_deadline", 0.0)

    def _finish(self) -> None:
        if self.spool and not self._past_deadline():
            self._drain()
