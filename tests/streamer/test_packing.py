"""Packing respects Kinesis's record and call limits and the linger time."""

from __future__ import annotations

from chalicelib.core import records
from chalicelib.core.records import Entry
from streamer.packing import Limits, Packer, Sealed, batches


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


def test_a_busy_stream_lingers_up_to_the_linger_time() -> None:
    packer = Packer(Limits(linger_s=0.5, busy_entries=3))
    assert not packer.due(now=10.0)
    for _ in range(3):
        packer.add(Entry(1, b"{}"), now=10.0)
    assert packer.lingering
    assert not packer.due(now=10.4)
    assert packer.due(now=10.5)
    assert packer.cut()[0].entries == 3
    assert not packer.due(now=11.0)


def test_a_quiet_stream_seals_at_once_but_not_more_often_than_the_gap() -> None:
    packer = Packer(Limits(linger_s=0.5, busy_entries=10, min_gap_s=0.05))
    packer.add(Entry(1, b"{}"), now=10.0)
    assert not packer.lingering
    assert packer.due(now=10.0)
    assert packer.cut()[0].entries == 1
    packer.add(Entry(2, b"{}"), now=10.01)
    assert packer.due_at(10.01) == 10.05  # the gap since the last record
    assert not packer.due(now=10.04)
    assert packer.due(now=10.05)


def simulate(rate: float, seconds: float, limits: Limits) -> list[tuple[int, float]]:
    """Lines arriving at ``rate``/s, due checked as each arrives: (entries, oldest wait)."""
    packer = Packer(limits)
    out: list[tuple[int, float]] = []
    for index in range(int(rate * seconds)):
        now = index / rate
        if packer.due(now):
            assert packer.first_at is not None
            waited = now - packer.first_at
            out += [(s.entries, waited) for s in packer.cut()]
        out += [(s.entries, 0.0) for s in packer.add(Entry(index, b"{}"), now)]
    return out


def test_the_linger_adapts_to_the_rate() -> None:
    limits = Limits(linger_s=0.5, busy_entries=10, min_gap_s=0.05, record_entries=2000)
    quiet = simulate(5, 20, limits)
    # 5 a second: every line ships in a record of its own, as soon as the next
    # check (here: the next arrival, 0.2 s later; the live shipper is woken at once).
    assert {entries for entries, _ in quiet} == {1}
    assert max(waited for _, waited in quiet) <= 0.2 + 1e-9
    busy = simulate(100, 20, limits)
    # 100 a second: busy after its first lines, then ~50 lines a record, none kept
    # longer than 0.5 s (plus the 0.01 s to the check at the next arrival).
    assert sum(entries for entries, _ in busy[3:]) / len(busy[3:]) >= 45
    assert max(waited for _, waited in busy) <= 0.51 + 1e-9
    flood = simulate(20_000, 2, limits)
    assert [entries for entries, _ in flood[1:]] == [2000] * (len(flood) - 1)


def test_a_busy_stream_that_quiets_down_ships_at_once_again() -> None:
    limits = Limits(linger_s=0.5, busy_entries=10, min_gap_s=0.05)
    packer = Packer(limits)
    for index in range(100):  # 100 a second for a second: busy
        now = index / 100
        if packer.due(now):
            packer.cut()
        packer.add(Entry(index, b"{}"), now)
    assert packer.lingering
    packer.add(Entry(100, b"{}"), now=2.2)  # more than two windows later: quiet
    assert not packer.lingering
    assert packer.due(now=2.2)


def test_batches_respect_count_and_bytes() -> None:
    limits = Limits(batch_records=4, batch_bytes=1000)
    pending = [Sealed(b"x" * 300, 1) for _ in range(10)]
    groups = batches(pending, limits)
    assert [len(g) for g in groups] == [3, 3, 3, 1]
    assert batches([Sealed(b"x", 1)] * 9, limits) == [[Sealed(b"x", 1)] * 4] * 2 + [
        [Sealed(b"x", 1)]
    ]
