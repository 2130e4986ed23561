"""The Kinesis sink against kinesis-mock: nothing lost, order kept, spool used."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.config import Config

from chalicelib.core import aws
from chalicelib.core.records import Entry
from chalicelib.core.settings import Settings
from chaos.faultproxy import FaultProxy
from streamer.kinesis_sink import KinesisSink
from streamer.packing import Limits
from streamer.spool import Spool
from tests.support.kinesis import read_stream

# A request that times out after kinesis-mock stored it is sent again: Kinesis is
# at-least-once and the consumer drops repeats by tweet id. These tests count exact
# deliveries, so the read timeout is long enough that a loaded machine never hits it;
# connection failures (the proxy off, a dead port) still fail at once.
PATIENT = Config(connect_timeout=1, read_timeout=60, retries={"max_attempts": 1})


TWEET = b'{"data":{"id":"%d","text":"tweet %d \xf0\x9f\xa6\x84"}}'


def entries(n: int, start: int = 0) -> list[Entry]:
    return [
        Entry(
            1_700_000_000_000 + i,
            b'{"data":{"id":"%d","text":"tweet %d \xf0\x9f\xa6\x84"}}' % (i, i),
        )
        for i in range(start, start + n)
    ]


def first_seen(got: list[Entry]) -> list[Entry]:
    """Each entry at its first delivery, in stream order."""
    return list(dict.fromkeys(got))


def test_ships_everything_packed_and_in_order(full_stage: Settings, tmp_path: Path) -> None:
    client = aws.new_client(full_stage, "kinesis", PATIENT)
    sink = KinesisSink(client, full_stage.kinesis_stream, Spool(tmp_path), Limits(linger_s=0.05))
    sink.start()
    sent = entries(5000)
    for entry in sent:
        sink.put(entry)
    sink.close(timeout=30)
    assert read_stream(full_stage) == sent  # one shard: total order kept
    assert sink.stats.shipped == 5000
    assert sink.stats.records <= 50  # many tweets per record
    assert not sink.spool


THROTTLED = "ProvisionedThroughputExceededException"


class PartialFailures:
    """A real client that refuses every third record of each call, as throttling does."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.refused = 0

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        keep = [r for i, r in enumerate(Records) if i % 3 != 1]
        response = (
            self.real.put_records(StreamName=StreamName, Records=keep) if keep else {"Records": []}
        )
        results = iter(response["Records"])
        out = []
        for i in range(len(Records)):
            if i % 3 == 1:
                self.refused += 1
                out.append(
                    {
                        "ErrorCode": "ProvisionedThroughputExceededException",
                        "ErrorMessage": "slow down",
                    }
                )
            else:
                out.append(next(results))
        return {"FailedRecordCount": len(Records) - len(keep), "Records": out}


def test_partial_failures_are_retried_without_loss(full_stage: Settings, tmp_path: Path) -> None:
    client = PartialFailures(aws.new_client(full_stage, "kinesis", PATIENT))
    limits = Limits(linger_s=0.05, record_entries=10)
    sink = KinesisSink(client, full_stage.kinesis_stream, Spool(tmp_path), limits)
    sink.start()
    sent = entries(300)
    for entry in sent:
        sink.put(entry)
    sink.close(timeout=30)
    got = read_stream(full_stage)
    assert client.refused > 0
    assert sorted(got, key=lambda e: e.received_at_ms) == sent
    assert len(got) == len(sent)


def test_kinesis_down_for_20_seconds_spools_then_delivers_in_order(
    full_stage: Settings, tmp_path: Path
) -> None:
    endpoint = urlsplit(full_stage.kinesis_endpoint or "")
    with FaultProxy(endpoint.hostname or "127.0.0.1", endpoint.port or 0) as proxy:
        via_proxy = full_stage.model_copy(update={"kinesis_endpoint": proxy.url})
        client = aws.new_client(via_proxy, "kinesis", PATIENT)
        sink = KinesisSink(
            client,
            full_stage.kinesis_stream,
            Spool(tmp_path),
            Limits(linger_s=0.05),
            spool_after=1.0,
        )
        sink.start()
        before, during, after = entries(100), entries(200, 100), entries(100, 300)
        for entry in before:
            sink.put(entry)
        time.sleep(0.5)
        proxy.down()
        outage_end = time.monotonic() + 20
        for entry in during:
            sink.put(entry)
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while not sink.spool and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sink.spool.depth > 0  # the outage went to disk, not to memory
        time.sleep(max(0.0, outage_end - time.monotonic()))
        proxy.up()
        for entry in after:
            sink.put(entry)
        deadline = time.monotonic() + 30
        while (sink.spool or sink.pending) and time.monotonic() < deadline:
            time.sleep(0.2)
        sink.close(timeout=30)
    got = read_stream(full_stage)
    # Cutting the proxy can drop the reply to a PutRecords that kinesis-mock stored:
    # that record is sent again (at-least-once). Nothing else may repeat.
    assert first_seen(got) == before + during + after
    assert len(got) - len(first_seen(got)) <= sink.stats.failed_records * Limits().record_entries
    assert sink.stats.spooled > 0 and sink.stats.replayed == sink.stats.spooled


def test_close_spools_what_it_cannot_ship_and_a_restart_replays_it(
    full_stage: Settings, tmp_path: Path
) -> None:
    dead = full_stage.model_copy(update={"kinesis_endpoint": "http://127.0.0.1:9"})
    sink = KinesisSink(
        aws.new_client(dead, "kinesis", PATIENT),
        full_stage.kinesis_stream,
        Spool(tmp_path),
        Limits(linger_s=0.05),
        spool_after=0.5,
    )
    sink.start()
    sent = entries(50)
    for entry in sent:
        sink.put(entry)
    sink.close(timeout=2)
    assert Spool(tmp_path).depth > 0

    revived = KinesisSink(
        aws.new_client(full_stage, "kinesis", PATIENT),
        full_stage.kinesis_stream,
        Spool(tmp_path),
        Limits(linger_s=0.05),
    )
    revived.start()
    revived.close(timeout=20)
    assert read_stream(full_stage) == sent
    assert not Spool(tmp_path)
