"""Numbered lines from a file, a gzip file or stdin, and how far through the file we are."""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Source:
    """An open input: its lines, its name, and (for a file) its size and position."""

    lines: Iterable[bytes]
    name: str
    size: int | None
    raw: IO[bytes] | None

    def position(self) -> int:
        """Bytes of the file read so far (compressed bytes for gzip); 0 for stdin."""
        return self.raw.tell() if self.raw is not None else 0

    def numbered(self) -> Iterator[tuple[int, bytes]]:
        for number, raw in enumerate(self.lines, start=1):
            yield number, raw.rstrip(b"\r\n")


@contextmanager
def open_source(spec: str) -> Iterator[Source]:
    """``spec`` is a path (gzip is detected by its magic bytes, not its name) or ``-``."""
    if spec == "-":
        stdin = sys.stdin.buffer
        peeked = stdin.peek(2)[:2] if isinstance(stdin, io.BufferedReader) else b""
        lines: Iterable[bytes] = gzip.GzipFile(fileobj=stdin) if peeked == GZIP_MAGIC else stdin
        yield Source(lines, "stdin", None, None)
        return
    path = Path(spec)
    with path.open("rb") as raw:
        if raw.read(2) == GZIP_MAGIC:
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield Source(unzipped, path.name, path.stat().st_size, raw)
            return
        raw.seek(0)
        yield Source(raw, path.name, path.stat().st_size, raw)
