"""``--to-file``: append stream lines to a JSON-lines file instead of Kinesis.

For when the cloud side is down or not wanted, as django-twitter-stream's ``--to-file`` was.
Each write is flushed, so a crash loses at most the line being written.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from chalicelib.core.records import Entry
from streamer import lines, retweets


@dataclass
class FileSink:
    path: Path
    capture_retweets: bool = False
    written: int = 0
    _file: IO[bytes] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
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
            self._file.write(b"".join(line + b"\n" for line in out))
            self._file.flush()
            self.written += len(out)

    def close(self, timeout: float = 20.0) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    @property
    def shipped(self) -> int:
        return self.written

    @property
    def pending(self) -> int:
        return 0
