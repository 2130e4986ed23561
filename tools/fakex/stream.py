"""One streaming connection: backfill, then live tweets paced by the timeline.

Writes go out in batches (many lines per syscall) so high rates stay cheap;
between batches the session waits on the socket, which also tells it at once
when the client has gone. Keep-alives (``\\r\\n``) go out when nothing else has
for ``keepalive`` seconds. Faults are checked against the global sent count.
"""

from __future__ import annotations

import time
from typing import Final, Protocol

import orjson

from tools.fakex import problems
from tools.fakex.engine import Engine, StreamName
from tools.fakex.faults import Drop, Duplicate, Malformed, OperationalDisconnect, Stall
from tools.fakex.fields import Selection
from tools.fakex.ledger import BACKFILL, DUPLICATE, LIVE, STREAMS
from tools.fakex.sources import stamp

KEEP_ALIVE: Final = b"\r\n"
#: Longest wait between checks of faults and shutdown.
POLL: Final = 0.05
#: Slots resolved per write at most, so faults and shutdown are seen promptly.
BATCH: Final = 2000


class Transport(Protocol):
    """The socket side of a session (the HTTP adapter implements it)."""

    def send(self, data: bytes) -> None:
        """Write one chunk; raise OSError when the peer is gone."""

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` s; return True as soon as the peer has closed."""

    def finish(self) -> None:
        """End the chunked body cleanly (the client sees a normal end of stream)."""

    def abort(self) -> None:
        """Cut the connection without ending the body (the client sees a broken read)."""


class Ended(Exception):
    """The session is over (peer gone, fault, shutdown)."""


class StreamSession:
    """Delivers one connection's tweets; ``run`` returns when the connection ends."""

    def __init__(
        self,
        engine: Engine,
        stream: StreamName,
        *,
        selection: Selection,
        connection: int,
        transport: Transport,
        backfill_minutes: int = 0,
    ) -> None:
        self.engine = engine
        self.stream = stream
        self.source = engine.sources[stream]
        self.timeline = engine.timelines[stream]
        self.selection = selection
        self.connection = connection
        self.transport = transport
        self.backfill_minutes = backfill_minutes
        self._stream_code = STREAMS.index(stream)
        self._lines: list[bytes] = []
        self._ids: list[int] = []
        self._kinds: list[int] = []
        self._double_next = False
        self._last_write = time.monotonic()

    def run(self) -> str:
        """Stream until the connection ends; return why ("closed", "dropped", …)."""
        engine, timeline = self.engine, self.timeline
        now = engine.clock()
        live_from = timeline.due(now)
        try:
            self._fire_faults()
            if self.backfill_minutes:
                first = timeline.first_at_or_after(
                    max(timeline.start, now - 60 * self.backfill_minutes)
                )
                for chunk in range(first, live_from, BATCH):
                    self._emit(chunk, min(chunk + BATCH, live_from), BACKFILL)
            self._live(live_from)
        except Ended as ended:
            return str(ended) or "closed"
        except OSError:
            return "closed"
        return "stopped"

    def _live(self, slot: int) -> None:
        engine, timeline = self.engine, self.timeline
        keepalive = engine.config.keepalive
        while not engine.stopping.is_set():
            now = engine.clock()
            due = timeline.due(now)
            if slot < due:
                end = min(due, slot + BATCH)
                self._emit(slot, end, LIVE)
                slot = end
                continue
            idle = time.monotonic() - self._last_write
            if idle >= keepalive:
                self._write(KEEP_ALIVE)
                idle = 0.0
            until_slot = timeline.time_of(slot) - now if timeline.rate else POLL
            timeout = max(0.0, min(until_slot, keepalive - idle, POLL))
            if self.transport.wait(timeout):
                raise Ended("closed")
            self._fire_faults()

    def _emit(self, start: int, end: int, kind: int) -> None:
        """Send slots ``start .. end-1`` (skipping empty ones) in as few writes as possible."""
        source, timeline, selection = self.source, self.timeline, self.selection
        next_fault = self.engine.faults.next_at()
        sent = len(self.engine.ledger)
        for slot in range(start, end):
            entry = source.entry(slot)
            if entry is None:
                continue
            if next_fault is not None and sent + len(self._ids) >= next_fault:
                self._fire_faults()
                next_fault = self.engine.faults.next_at()
                sent = len(self.engine.ledger)
            line = entry.line(selection)
            tweet_id = entry.tweet_id
            if tweet_id is None:
                tweet_id = timeline.id_of(slot)
                line = stamp(line, tweet_id)
            self._lines.append(line)
            self._ids.append(tweet_id)
            self._kinds.append(kind)
            if self._double_next:
                self._double_next = False
                self._lines.append(line)
                self._ids.append(tweet_id)
                self._kinds.append(DUPLICATE)
        self._flush()
        self._fire_faults()

    def _flush(self) -> None:
        if not self._lines:
            return
        data = b"".join(self._lines)
        ids, kinds = self._ids, self._kinds
        self._lines, self._ids, self._kinds = [], [], []
        self._write(data)
        if ids:
            self.engine.ledger.record(
                ids, kinds, self.engine.clock(), self.connection, self._stream_code
            )

    def _write(self, data: bytes) -> None:
        self.transport.send(data)
        self._last_write = time.monotonic()

    def _fire_faults(self) -> None:
        """Apply every stream fault whose count has been reached."""
        sent = len(self.engine.ledger) + len(self._ids)
        for fault in self.engine.faults.pop_due(sent):
            if isinstance(fault, Duplicate):
                self._double_next = True
            elif isinstance(fault, Malformed):
                self._lines.append(_MALFORMED)
            else:
                self._flush()
                if isinstance(fault, Stall):
                    self._stall(fault.seconds)
                elif isinstance(fault, OperationalDisconnect):
                    error = orjson.dumps(problems.operational_disconnect(fault.disconnect_type))
                    self._write(error + b"\r\n")
                    self.transport.finish()
                    raise Ended("disconnected")
                elif isinstance(fault, Drop):
                    self.transport.abort()
                    raise Ended("dropped")

    def _stall(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.engine.stopping.is_set():
                raise Ended("stopped")
            if self.transport.wait(min(left, POLL)):
                raise Ended("closed")
        self._last_write = time.monotonic()


#: What a careless proxy might forward: a tweet line cut short.
_MALFORMED: Final = b'{"data":{"id":"1","text":"this line was cut sho\r\n'
