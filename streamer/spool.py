"""An append-only file of sealed Kinesis records, for when Kinesis is away.

X does not wait: while Kinesis is unreachable or throttling, the streamer keeps
reading and appends records here, then replays them in order once Kinesis is
back. The file survives a restart of the process (and of the container, given a
volume), so SIGKILL loses nothing that was appended.

Layout: ``spool.log`` holds frames ``[u32 length][u32 crc32][record]``;
``spool.offset`` holds how far replay has been confirmed by Kinesis. A torn
frame at the end (a crash mid-append) fails its CRC and is cut off.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from pathlib import Path
from typing import BinaryIO

_FRAME = struct.Struct(">II")


class Spool:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.log_path = directory / "spool.log"
        self.offset_path = directory / "spool.offset"
        self._lock = threading.Lock()
        self._offset = self._read_offset()
        self._pending = 0
        self._recover()

    # -- writing ---------------------------------------------------------
    def append(self, records: list[bytes]) -> None:
        """Append and fsync: once this returns, the records survive a crash."""
        if not records:
            return
        frames = b"".join(_FRAME.pack(len(r), zlib.crc32(r)) + r for r in records)
        with self._lock, self.log_path.open("ab") as log:
            log.write(frames)
            log.flush()
            os.fsync(log.fileno())
            self._pending += len(records)

    # -- replay ----------------------------------------------------------
    def read_batch(self, max_records: int, max_bytes: int) -> tuple[list[bytes], int]:
        """The oldest unconfirmed records and the offset that confirms them."""
        with self._lock:
            records: list[bytes] = []
            offset = self._offset
            size = 0
            if not self.log_path.exists():
                return records, offset
            with self.log_path.open("rb") as log:
                log.seek(offset)
                while len(records) < max_records:
                    frame = _read_frame(log)
                    if frame is None:
                        break
                    if records and size + len(frame) > max_bytes:
                        break
                    records.append(frame)
                    size += len(frame)
                    offset += _FRAME.size + len(frame)
            return records, offset

    def confirm(self, offset: int, count: int) -> None:
        """Kinesis has everything before ``offset``; empty the files when drained."""
        with self._lock:
            self._pending = max(0, self._pending - count)
            size = self.log_path.stat().st_size if self.log_path.exists() else 0
            if offset >= size:
                self.log_path.unlink(missing_ok=True)
                self.offset_path.unlink(missing_ok=True)
                self._offset = 0
                self._pending = 0
                return
            self._offset = offset
            tmp = self.offset_path.with_suffix(".tmp")
            tmp.write_text(str(offset))
            os.replace(tmp, self.offset_path)

    @property
    def depth(self) -> int:
        """Records waiting to be replayed."""
        return self._pending

    def __bool__(self) -> bool:
        return self._pending > 0

    # -- recovery --------------------------------------------------------
    def _read_offset(self) -> int:
        try:
            return int(self.offset_path.read_text().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def _recover(self) -> None:
        """Count pending frames and cut a torn tail left by a crash."""
        if not self.log_path.exists():
            self._offset = 0
            return
        good_end = self._offset
        with self.log_path.open("rb") as log:
            log.seek(self._offset)
            while (frame := _read_frame(log)) is not None:
                self._pending += 1
                good_end += _FRAME.size + len(frame)
        if good_end < self.log_path.stat().st_size:
            with self.log_path.open("r+b") as log:
                log.truncate(good_end)


def _read_frame(log: BinaryIO) -> bytes | None:
    header = log.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    length, crc = _FRAME.unpack(header)
    record = log.read(length)
    if len(record) < length or zlib.crc32(record) != crc:
        return None
    return record
