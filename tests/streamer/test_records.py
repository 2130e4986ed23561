"""The versioned Kinesis record format: round trips and refusals."""

from __future__ import annotations

import zlib

import pytest

from chalicelib.core import records
from chalicelib.core.records import Entry, RecordFormatError

LINES = [
    b'{"data":{"id":"1","text":"hello"}}',
    '{"data":{"id":"2","text":"🦄 مرحبا ☃"}}'.encode(),
    b"",
    b"x" * 70_000,
]


@pytest.mark.parametrize("level", [0, 1, 6, 9])
def test_round_trip_keeps_bytes_and_times(level: int) -> None:
    entries = [Entry(1_700_000_000_000 + i, line) for i, line in enumerate(LINES)]
    data = records.encode(entries, level=level)
    assert records.decode(data) == entries
    assert records.entry_count(data) == len(entries)


def test_compression_packs_similar_tweets() -> None:
    line = b'{"data":{"id":"1850000000000000001","text":"the quick brown fox #aws","lang":"en"}}'
    entries = [Entry(1, line) for _ in range(100)]
    assert len(records.encode(entries)) < len(line) * 100 / 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"SF", "too short"),
        (b"XYZ\x01\x01\x00\x00\x00\x00", "not a streamfeed record"),
        (b"SFR\x02\x01\x00\x00\x00\x00", "unsupported record version 2"),
        (b"SFR\x01\x07\x00\x00\x00\x00", "unknown codec 7"),
        (b"SFR\x01\x01\x00\x00\x00\x01garbage", "corrupt compressed body"),
    ],
)
def test_refuses_what_it_cannot_read(data: bytes, message: str) -> None:
    with pytest.raises(RecordFormatError, match=message):
        records.decode(data)


def test_refuses_truncated_and_padded_bodies() -> None:
    good = records.encode([Entry(5, b"abc"), Entry(6, b"defg")], level=0)
    with pytest.raises(RecordFormatError, match="truncated"):
        records.decode(good[:-2])
    with pytest.raises(RecordFormatError, match="stray bytes"):
        records.decode(good + b"zz")
    lying = good[:5] + (3).to_bytes(4, "big") + good[9:]
    with pytest.raises(RecordFormatError, match="truncated at entry 2"):
        records.decode(lying)


def test_header_layout_is_documented_one() -> None:
    data = records.encode([Entry(7, b"{}")], level=1)
    assert data[:3] == b"SFR" and data[3] == 1 and data[4] == 1
    assert int.from_bytes(data[5:9], "big") == 1
    body = zlib.decompress(data[9:])
    assert body == (7).to_bytes(8, "big") + (2).to_bytes(4, "big") + b"{}"
