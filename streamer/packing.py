"""Pack entries into Kinesis records and records into PutRecords batches.

Pure bookkeeping, no I/O, so the limits that keep us inside Kinesis's quotas
are tested without a server: a record stays under 1 MiB, a call under 500
records and 1 MiB, and nothing waits longer than the linger time.

The linger adapts to the stream. While it is busy (``busy_entries`` lines
within one linger time, 20 a second by default) entries wait up to
``linger_s`` for company, so records stay full under load. While it is
quiet, lingering would buy no batching and only add latency: what is pending
is sealed at once, at most one record per ``min_gap_s``, so a quiet stream
ships at most 20 records a second and a burst that starts while quiet is
busy after its first few lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.core import records
from chalicelib.core.records import Entry


@dataclass(frozen=True)
class Limits:
    #: Uncompressed body per record; zlib output stays below it, and 1 MiB is
    #: Kinesis's cap, so a record can never be refused for size.
    record_body_bytes: int = 900 * 1024
    record_entries: int = 2000
    #: Records per PutRecords call (Kinesis's cap is 500).
    batch_records: int = 500
    #: Bytes per PutRecords call. Kinesis takes 5 MiB, but botocore holds about
    #: four copies of a call's payload at once (the base64 of each record, the
    #: JSON text, its encoded body), and the shipper and the spool's replayer
    #: may both be putting: 5 MiB calls cost the streamer ~40 MiB in a burst
    #: (figure 6). 1 MiB is what one shard takes per second, and a record of
    #: up to 1 MiB always goes (alone, if need be).
    batch_bytes: int = 1024 * 1024
    #: Longest time a received line may wait before it is shipped (when busy).
    linger_s: float = 0.5
    #: Busy: this many entries arrived within the current or the previous
    #: ``linger_s`` window. Quiet otherwise: records are sealed at once...
    busy_entries: int = 10
    #: ...but no sooner than this after the previous record.
    min_gap_s: float = 0.05
    compression_level: int = 6
    #: A line longer than this cannot travel in a record and is rejected.
    max_line_bytes: int = 512 * 1024


@dataclass
class Sealed:
    """A finished record and how many stream lines it carries."""

    data: bytes
    entries: int


@dataclass
class Packer:
    """Accumulates entries; ``cut()`` seals what is pending into records."""

    limits: Limits = field(default_factory=Limits)
    _entries: list[Entry] = field(default_factory=list)
    _body_bytes: int = 0
    first_at: float | None = None
    #: When the last record was sealed (by the latest time seen then).
    sealed_at: float | None = None
    #: Whether the stream was busy when last looked at (read by other threads as a hint).
    lingering: bool = False
    _now: float = float("-inf")
    _window_start: float | None = None
    _window_entries: int = 0
    _previous_entries: int = 0

    def add(self, entry: Entry, now: float) -> list[Sealed]:
        """Add one entry; returns records that became full (usually none)."""
        self._tick(now)
        self._window_entries += 1
        self.lingering = self._busy()
        size = records.ENTRY_OVERHEAD + len(entry.line)
        done: list[Sealed] = []
        if self._entries and (
            self._body_bytes + size > self.limits.record_body_bytes
            or len(self._entries) >= self.limits.record_entries
        ):
            done.append(self._seal())
        if not self._entries:
            self.first_at = now
        self._entries.append(entry)
        self._body_bytes += size
        return done

    def due_at(self, now: float) -> float | None:
        """When what is pending must be sealed; None when nothing is pending."""
        self._tick(now)
        self.lingering = self._busy()
        if self.first_at is None:
            return None
        latest = self.first_at + self.limits.linger_s
        if self.lingering:
            return latest
        if self.sealed_at is None:
            return self.first_at
        return max(self.first_at, min(latest, self.sealed_at + self.limits.min_gap_s))

    def due(self, now: float) -> bool:
        at = self.due_at(now)
        return at is not None and now >= at

    def _tick(self, now: float) -> None:
        """Move the arrival-count windows (each ``linger_s`` long) up to ``now``."""
        self._now = max(self._now, now)
        length = self.limits.linger_s
        start = self._window_start
        if start is None or now - start >= 2 * length:
            self._window_start, self._previous_entries, self._window_entries = now, 0, 0
        elif now - start >= length:
            self._window_start = start + length
            self._previous_entries, self._window_entries = self._window_entries, 0

    def _busy(self) -> bool:
        return max(self._window_entries, self._previous_entries) >= self.limits.busy_entries

    def cut(self) -> list[Sealed]:
        return [self._seal()] if self._entries else []

    @property
    def pending_entries(self) -> int:
        return len(self._entries)

    def _seal(self) -> Sealed:
        body, count = records.encode_body(self._entries)
        sealed = Sealed(records.seal(body, count, level=self.limits.compression_level), count)
        self._entries = []
        self._body_bytes = 0
        self.first_at = None
        self.sealed_at = self._now
        return sealed


def batches(pending: list[Sealed], limits: Limits) -> list[list[Sealed]]:
    """Split records into PutRecords calls within the count and byte caps."""
    out: list[list[Sealed]] = []
    current: list[Sealed] = []
    size = 0
    for record in pending:
        if current and (
            len(current) >= limits.batch_records or size + len(record.data) > limits.batch_bytes
        ):
            out.append(current)
            current, size = [], 0
        current.append(record)
        size += len(record.data)
    if current:
        out.append(current)
    return out
