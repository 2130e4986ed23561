"""The spool keeps records in order across restarts and torn writes."""

from __future__ import annotations

from pathlib import Path

from streamer.spool import Spool


def test_append_replay_confirm_in_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([b"r1", b"r2", b"r3"])
    spool.append([b"r4"])
    assert spool.depth == 4
    batch, offset = spool.read_batch(max_records=2, max_bytes=10**6)
    assert batch == [b"r1", b"r2"]
    spool.confirm(offset, len(batch))
    assert spool.depth == 2
    batch, offset = spool.read_batch(max_records=10, max_bytes=10**6)
    assert batch == [b"r3", b"r4"]
    spool.confirm(offset, len(batch))
    assert not spool and not spool.log_path.exists()


def test_survives_a_restart_and_resumes_after_the_confirmed_part(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([b"a", b"b", b"c"])
    _, offset = spool.read_batch(1, 10**6)
    spool.confirm(offset, 1)
    reopened = Spool(tmp_path)
    assert reopened.depth == 2
    assert reopened.read_batch(10, 10**6)[0] == [b"b", b"c"]


def test_a_torn_tail_is_cut_and_the_rest_kept(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([b"whole-1", b"whole-2"])
    with spool.log_path.open("ab") as log:
        log.write(b"\x00\x00\x00\x10\x12\x34")  # a crash mid-frame
    reopened = Spool(tmp_path)
    assert reopened.depth == 2
    assert reopened.read_batch(10, 10**6)[0] == [b"whole-1", b"whole-2"]
    reopened.append([b"after"])
    assert reopened.read_batch(10, 10**6)[0] == [b"whole-1", b"whole-2", b"after"]


def test_read_batch_respects_bytes(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([b"x" * 600, b"y" * 600, b"z"])
    assert spool.read_batch(10, 1000)[0] == [b"x" * 600]
