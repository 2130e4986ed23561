"""``--to-file``: append stream lines to a JSON-lines file instead of Kinesis.

For when the cloud side is down or not wanted, as django-twitter-stream's ``--to-file`` was.
Each write is flushed, so a crash loses at most the line being written.

The path ``-`` is stdout, so the stream can be piped (``| jq``, ``| gzip``);
log lines stay on stderr. When the reader goes away (``| head``), the lines
that follow are dropped and counted, and ``on_closed`` is called once so the
command can stop cleanly instead of dying of a broken pipe.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from chalicelib.core.records import Entry
from streamer import lines, retweets

log = logging.getLogger(__name__)
STDOUT = Path("-")


@dataclass
class FileSink:
    path: Path
    capture_retweets: bool = False
    #: Called once when stdout's reader has gone away (not for a regular file).
    on_closed: Callable[[], None] | None = None
    written: int = 0
    #: Lines dropped because stdout's reader had gone away.
    dropped: int = 0
    _file: IO[bytes] | None = None
    _reader_gone: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def to_stdout(self) -> bool:
        return self.path == STDOUT

    def start(self) -> None:
        if self.to_stdout:
            self._file = sys.stdout.buffer
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("ab")

    def put(self, entry: Entry) -> None:
        try:
            obj = lines.parse(entry.line)
            out = retweets.split_retweet(entry.line, obj, self.capture_retweets)
        except lines.BadLine:
            out = [entry.line]
        with self._lock:
            assert self._file is not None, "start() first"
            if self._reader_gone:
                self.dropped += len(out)
                return
            try:
                self._file.write(b"".join(line + b"\n" for line in out))
                self._file.flush()
            except BrokenPipeError:
                self.dropped += len(out)
                self._stdout_closed()
                return
            self.written += len(out)

    def _stdout_closed(self) -> None:
        self._reader_gone = True
        log.warning("stdout was closed by its reader: dropping further lines and stopping")
        # What is still buffered can never be written; point fd 1 at /dev/null so the
        # interpreter's own flush at exit does not print a BrokenPipeError.
        try:
            fd = sys.stdout.fileno()
        except (OSError, ValueError):  # not a real stream (a test's, say): nothing to redirect
            fd = None
        if fd is not None:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            os.close(devnull)
        if self.on_closed is not None:
            self.on_closed()

    def close(self, timeout: float = 20.0) -> None:
        with self._lock:
            if self._file is None:
                return
            if self.to_stdout:
                try:
                    if not self._reader_gone:
                        self._file.flush()
                except BrokenPipeError:
                    self._stdout_closed()
            else:
                self._file.close()
            self._file = None

    @property
    def shipped(self) -> int:
        return self.written

    @property
    def pending(self) -> int:
        return 0
