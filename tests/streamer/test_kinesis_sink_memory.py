"""The Kinesis sink's memory stays bounded when Kinesis is slow: the spool takes over.

A fake client stands in for Kinesis (slow, or down for a while), so these run
without the local cloud: nothing lost, nothing doubled, order kept, and the
lines waiting in memory never exceed ``max_pending_bytes``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from chalicelib.core import records
from chalicelib.core.records import Entry
from streamer import assemble
from streamer.kinesis_sink import KinesisSink
from streamer.packing import Limits
from streamer.spool import Spool

BUDGET = 64 * 1024


class FakeKinesis:
    """PutRecords that takes ``delay`` s a call and refuses every call while ``down``."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.down = threading.Event()
        self.data: list[bytes] = []
        #: Bytes of record data per PutRecords call, in call order.
        self.calls: list[int] = []

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        time.sleep(self.delay)
        self.calls.append(sum(len(r["Data"]) for r in Records))
        if self.down.is_set():
            return {"Records": [{"ErrorCode": "InternalFailure", "ErrorMessage": "down"}
                                for _ in Records]}  # fmt: skip
        self.data += [r["Data"] for r in Records]
        return {"Records": [{"SequenceNumber": "1", "ShardId": "shardId-0"} for _ in Records]}


def entries(n: int) -> list[Entry]:
    return [Entry(1_700_000_000_000 + i, b'{"data":{"id":"%d","text":"tweet %d"}}' % (i, i))
            for i in range(n)]  # fmt: skip


def shipped(client: FakeKinesis) -> list[Entry]:
    return [entry for data in client.data for entry in records.decode(data)]


def run(sink: KinesisSink, sent: list[Entry], during: Any = None) -> int:
    """Put ``sent`` as fast as the sink takes it; the most line bytes it held."""
    sink.start()
    most = 0
    for index, entry in enumerate(sent):
        sink.put(entry)
        most = max(most, sink._inbox_bytes)
        if during is not None:
            during(index)
    sink.close(timeout=60)
    return most


def test_slow_kinesis_spools_instead_of_holding_lines(tmp_path: Path) -> None:
    client = FakeKinesis(delay=0.3)
    spool = Spool(tmp_path)
    sink = KinesisSink(client, "s", spool, Limits(linger_s=0.05, record_entries=200),
                       max_pending_bytes=BUDGET)  # fmt: skip
    sent = entries(20_000)
    most = run(sink, sent)
    assert most <= BUDGET + max(len(e.line) for e in sent)
    assert sink.stats.spooled > 0 and sink.stats.replayed == sink.stats.spooled
    assert shipped(client) == sent  # nothing lost or doubled, in order
    assert not spool
    # The status record's count: replayed lines once, not twice.
    assert assemble.shipped(sink) == len(sent)


def test_fast_kinesis_never_touches_the_spool(tmp_path: Path) -> None:
    client = FakeKinesis()
    sink = KinesisSink(client, "s", Spool(tmp_path), Limits(linger_s=0.05),
                       max_pending_bytes=BUDGET)  # fmt: skip
    sent = entries(5_000)
    for entry in sent:
        sink.start() if entry is sent[0] else None
        sink.put(entry)
        time.sleep(0.00005)
    sink.close(timeout=30)
    assert shipped(client) == sent
    assert sink.stats.spooled == 0


def test_kinesis_down_with_a_full_inbox_spools_at_once_and_loses_nothing(tmp_path: Path) -> None:
    client = FakeKinesis(delay=0.01)
    spool = Spool(tmp_path)
    sink = KinesisSink(client, "s", spool, Limits(linger_s=0.05), spool_after=60.0,
                       max_pending_bytes=BUDGET)  # fmt: skip
    sent = entries(20_000)
    client.down.set()
    started = time.monotonic()

    def back_up(index: int) -> None:
        if index == 15_000:
            client.down.clear()

    most = run(sink, sent, back_up)
    # Far less than spool_after: the filling inbox sent the failing batch to the spool.
    assert time.monotonic() - started < 30
    assert most <= BUDGET + max(len(e.line) for e in sent)
    assert sink.stats.spooled > 0
    assert shipped(client) == sent
    assert not spool


def incompressible(n: int, size: int = 3000) -> list[Entry]:
    """Lines zlib cannot shrink much, so records and calls fill by bytes."""
    return [Entry(i, b'{"data":{"id":"%d","text":"%s"}}' % (i, os.urandom(size).hex().encode()))
            for i in range(n)]  # fmt: skip


def test_put_records_calls_stay_within_the_call_budget(tmp_path: Path) -> None:
    """botocore holds several copies of a call's payload: calls stay at ``batch_bytes``.

    Half the lines go straight to Kinesis, then Kinesis slows down, so lines
    pile up and (usually) go through the spool's replayer: both paths keep to
    the budget, and every line arrives once, in order.
    """
    limits = Limits()
    client = FakeKinesis()
    spool = Spool(tmp_path)
    sink = KinesisSink(client, "s", spool, max_pending_bytes=4 * 1024 * 1024)
    sent = incompressible(3_000)

    def slow_down(index: int) -> None:
        if index == 1_500:
            client.delay = 0.2

    run(sink, sent, slow_down)
    assert shipped(client) == sent
    assert not spool
    assert len(client.calls) > 5
    assert max(client.calls) <= limits.batch_bytes
