"""From a raw line to the sink: the per-line hot path.

Tweets are recognised by their first and last bytes and passed on without
parsing; other lines (stream errors, lines cut short, oddities) are parsed.
Bad and oversized lines are counted, logged with a snippet and written to a
rejects file, never shipped and never fatal.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from chalicelib.core.records import Entry
from streamer import lines
from streamer.heartbeat import Counters

log = logging.getLogger(__name__)
_TWEET_PREFIX = b'{"data":'


class Sink(Protocol):
    def start(self) -> None: ...
    def put(self, entry: Entry) -> None: ...
    def close(self, timeout: float = 20.0) -> None: ...
    @property
    def pending(self) -> int: ...


@dataclass
class Pipeline:
    sink: Sink
    rejects_path: Path | None = None
    max_line_bytes: int = 512 * 1024
    counters: Counters = field(default_factory=Counters)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, line: bytes) -> None:
        """One stream line; never raises for bad input."""
        now = time.time()
        if len(line) > self.max_line_bytes:
            self._reject(line, f"oversized line ({len(line)} bytes)")
            return
        if not (line.startswith(_TWEET_PREFIX) and line.endswith(b"}")):
            try:
                routed = lines.route(line)
            except lines.BadLine as exc:
                self._reject(line, str(exc))
                return
            if not routed.is_tweet:
                self._stream_error(routed, line)
                return
        self.counters.received += 1
        self.counters.last_tweet_at = now
        self.sink.put(Entry(int(now * 1000), line))

    def _stream_error(self, routed: lines.Routed, line: bytes) -> None:
        counters = self.counters
        counters.stream_errors += 1
        kind = routed.disconnect_type or routed.error or "unknown line"
        counters.last_error = f"X sent: {kind}"
        counters.last_error_at = time.time()
        log.warning("stream message from X: %s", line[:300].decode(errors="replace"))

    def _reject(self, line: bytes, why: str) -> None:
        counters = self.counters
        counters.bad_lines += 1
        counters.last_error = f"bad line: {why}"
        counters.last_error_at = time.time()
        log.warning("bad line (%s): %r", why, line[:120])
        if self.rejects_path is not None:
            with self._lock:
                self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
                with self.rejects_path.open("ab") as rejects:
                    rejects.write(line.replace(b"\n", b" ") + b"\n")
