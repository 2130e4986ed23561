"""Packing respects Kinesis's record and call limits and the linger time."""

from __future__ import annotations

from chalicelib import records
from chalicelib.records import Entry
from chalicelib.streamer.packing import Limits, Packer, Sealed, batches


def test_records_cut_at_size_and_keep_every_entry_in_order() -> None:
    limits = Limits(record_body_bytes=10_000, record_entries=10_000)
    packer = Packer(limits)
    sealed: list[Sealed] = []
    entries = [Entry(i, b"x" * 900 + str(i).encode()) for i in range(100)]
    for entry in entries:
        sealed += packer.add(entry, now=0.0)
    sealed += packer.cut()
    assert len(sealed) > 5
    decoded = [e for s in sealed for e in records.decode(s.data)]
    assert decoded == entries
    assert sum(s.entries for s in sealed) == 100
    assert all(len(s.data) < records.MAX_RECORD_BYTES for s in sealed)


def test_records_cut_at_entry_count() -> None:
    packer = Packer(Limits(record_entries=3))
    out = []
    for i in range(7):
        out += packer.add(Entry(i, b"{}"), now=0.0)
    out += packer.cut()
    assert [s.entries for s in out] == [3, 3, 1]


def test_linger_makes_a_record_due() -> None:
    packer = Packer(Limits(linger_s=0.5))
    assert not packer.due(now=10.0)
    packer.add(Entry(1, b"{}"), now=10.0)
    assert not packer.due(now=10.4)
    assert packer.due(now=10.5)
    assert packer.cut()[0].entries == 1
    assert not packer.due(now=11.0)


def test_batches_respect_count_and_bytes() -> None:
    limits = Limits(batch_records=4, batch_bytes=1000)
    pending = [Sealed(b"x" * 300, 1) for _ in range(10)]
    groups = batches(pending, limits)
    assert [len(g) for g in groups] == [3, 3, 3, 1]
    assert batches([Sealed(b"x", 1)] * 9, limits) == [[Sealed(b"x", 1)] * 4] * 2 + [
        [Sealed(b"x", 1)]
    ]
