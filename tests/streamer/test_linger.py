"""The Kinesis sink ships a quiet stream's lines at once and keeps batching a busy one.

The sink's clock is frozen, so the linger time never passes on its own: a
line that reaches Kinesis was shipped because the stream was quiet, not
because it waited long enough. A fake client stands in for Kinesis.
"""

from __future__ import annotations

import time
from pathlib import Path

from chalicelib.core import records
from chalicelib.core.records import Entry
from streamer.kinesis_sink import KinesisSink
from streamer.packing import Limits
from streamer.spool import Spool
from tests.streamer.test_kinesis_sink_memory import FakeKinesis, entries, shipped


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def wait_for(condition: object, timeout: float = 30.0) -> None:
    """Until ``condition()`` holds; the timeout only stops a broken sink from hanging."""
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the sink never shipped"
        time.sleep(0.005)


def test_a_quiet_streams_lines_ship_without_waiting_for_the_linger(tmp_path: Path) -> None:
    clock = Clock()
    client = FakeKinesis()
    sink = KinesisSink(client, "s", Spool(tmp_path), Limits(linger_s=0.5), clock=clock)
    sent = entries(5)
    sink.start()
    for count, entry in enumerate(sent, start=1):
        sink.put(entry)
        wait_for(lambda count=count: len(shipped(client)) == count)
        clock.now += 0.2  # 5 a second; never the 0.5 s linger
    sink.close(timeout=10)
    assert shipped(client) == sent
    assert [records.entry_count(data) for data in client.data] == [1] * 5


def test_a_busy_stream_still_packs_many_lines_a_record(tmp_path: Path) -> None:
    clock = Clock()
    client = FakeKinesis()
    sink = KinesisSink(client, "s", Spool(tmp_path), Limits(linger_s=0.5), clock=clock)
    sent = entries(1_500)
    sink.start()
    for entry in sent[:1_000]:  # all at one instant: busy after the first few lines
        sink.put(entry)
    clock.now += 0.2  # past the quiet gap between records, not the linger
    for entry in sent[1_000:]:
        sink.put(entry)
    sink.close(timeout=10)
    assert shipped(client) == sent
    # At most the first line (or the first few, if the shipper woke late) went out
    # at once; everything after them waited for company until the close.
    assert len(client.data) <= 2


def test_lines_put_as_fast_as_possible_lose_nothing_with_a_real_clock(tmp_path: Path) -> None:
    client = FakeKinesis()
    sink = KinesisSink(client, "s", Spool(tmp_path), Limits(linger_s=0.05, record_entries=500))
    sent: list[Entry] = entries(20_000)
    sink.start()
    for index, entry in enumerate(sent):
        sink.put(entry)
        if index % 5000 == 0:
            time.sleep(0.2)  # quiet moments between bursts
    sink.close(timeout=30)
    assert shipped(client) == sent
