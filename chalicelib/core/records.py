"""The Kinesis record format shared by the streamer and the consumer.

Many stream lines go into one record, compressed, because Kinesis bills and
throttles per record and per byte: a shard takes 1,000 records/s and 1 MB/s, so
one tweet per record caps a shard near 400 tweets/s, while packing lifts it to
thousands. Lines are carried as X sent them (bytes), so nothing is lost and the
streamer never re-serialises JSON.

Version 1 layout (all integers big-endian)::

    magic    3 bytes  b"SFR"
    version  1 byte   1
    codec    1 byte   0 = none, 1 = zlib
    count    4 bytes  number of entries
    body     the rest, compressed with ``codec``; uncompressed it is ``count`` times:
        received_at_ms  8 bytes  when the streamer read the line (Unix ms)
        length          4 bytes
        line            ``length`` bytes: one stream line (JSON), no newline

A reader must reject an unknown magic, version or codec instead of guessing:
the consumer quarantines such a record rather than dropping it.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

MAGIC: Final = b"SFR"
VERSION: Final = 1
CODEC_NONE: Final = 0
CODEC_ZLIB: Final = 1
_HEADER = struct.Struct(">3sBBI")
_ENTRY = struct.Struct(">QI")
HEADER_SIZE: Final = _HEADER.size
ENTRY_OVERHEAD: Final = _ENTRY.size
#: Kinesis's limit on one record's data plus partition key.
MAX_RECORD_BYTES: Final = 1024 * 1024


class RecordFormatError(ValueError):
    """The bytes are not a record this version of the code can read."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream line and when the streamer received it."""

    received_at_ms: int
    line: bytes


def encode_body(entries: Iterable[Entry]) -> tuple[bytes, int]:
    """The uncompressed body and the number of entries in it."""
    parts: list[bytes] = []
    count = 0
    pack = _ENTRY.pack
    for entry in entries:
        parts.append(pack(entry.received_at_ms, len(entry.line)))
        parts.append(entry.line)
        count += 1
    return b"".join(parts), count


def encode(entries: Iterable[Entry], *, level: int = 6) -> bytes:
    """One record holding ``entries``; ``level=0`` stores them uncompressed."""
    body, count = encode_body(entries)
    return seal(body, count, level=level)


def seal(body: bytes, count: int, *, level: int = 6) -> bytes:
    """Header plus (compressed) body, for a body built by ``encode_body``."""
    if level == 0:
        return _HEADER.pack(MAGIC, VERSION, CODEC_NONE, count) + body
    return _HEADER.pack(MAGIC, VERSION, CODEC_ZLIB, count) + zlib.compress(body, level)


def entry_count(data: bytes) -> int:
    """How many entries a record holds, from its header alone."""
    if len(data) < HEADER_SIZE or data[:3] != MAGIC:
        raise RecordFormatError("not a streamfeed record")
    count: int = _HEADER.unpack_from(data)[3]
    return count


def decode(data: bytes) -> list[Entry]:
    """Every entry of a record; RecordFormatError if it is not a valid record."""
    return list(iter_entries(data))


def iter_entries(data: bytes) -> Iterator[Entry]:
    if len(data) < HEADER_SIZE:
        raise RecordFormatError(f"record too short ({len(data)} bytes)")
    magic, version, codec, count = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise RecordFormatError(f"not a streamfeed record (magic {magic!r})")
    if version != VERSION:
        raise RecordFormatError(f"unsupported record version {version}")
    body = memoryview(data)[HEADER_SIZE:]
    if codec == CODEC_ZLIB:
        try:
            raw = zlib.decompress(body)
        except zlib.error as exc:
            raise RecordFormatError(f"corrupt compressed body: {exc}") from None
    elif codec == CODEC_NONE:
        raw = bytes(body)
    else:
        raise RecordFormatError(f"unknown codec {codec}")
    offset = 0
    unpack = _ENTRY.unpack_from
    for index in range(count):
        if offset + ENTRY_OVERHEAD > len(raw):
            raise RecordFormatError(f"record truncated at entry {index} of {count}")
        received_at_ms, length = unpack(raw, offset)
        offset += ENTRY_OVERHEAD
        if offset + length > len(raw):
            raise RecordFormatError(f"record truncated inside entry {index} of {count}")
        yield Entry(received_at_ms, raw[offset : offset + length])
        offset += length
    if offset != len(raw):
        raise RecordFormatError(f"{len(raw) - offset} stray bytes after {count} entries")
