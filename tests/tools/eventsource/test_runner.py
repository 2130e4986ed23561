"""The local event source runner against the local Kinesis stream, driving the real handler."""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import replace
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from app import consume_tweets
from chalicelib.consumer import runtime
from chalicelib.consumer.mapping import MAPPING
from chalicelib.consumer.service import Consumer
from chalicelib.core import aws
from chalicelib.core.settings import Settings
from tests.chalicelib.consumer.conftest import dead_letters, stored_tweets
from tests.chalicelib.consumer.support import Lines, record, tweet_id
from tests.chalicelib.consumer.test_consumer_failures import failing_for, with_hook
from tests.conftest import unique_prefix
from tools.eventsource.checkpoints import Checkpoints
from tools.eventsource.runner import BUSY_POLL_INTERVAL, BackOff, Runner, backing_off
from tools.eventsource.shards import Pacing, Wiring
from tools.localcloud import LocalCloud
from tools.localcloud.bootstrap import bootstrap

FAST = Pacing(poll_interval=0.2, retry_base=0.01, retry_cap=0.05)
NO_WAIT = replace(MAPPING, maximum_batching_window_in_seconds=0)


class Recorder:
    """Invokes the app's handler (middleware and all) and keeps every event it got."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        with self.lock:
            self.events.append(event)
        if self.fail_on is not None and self.fail_on in sequences_of(event):
            raise RuntimeError(f"the function crashed on {self.fail_on}")
        return consume_tweets(event, context)

    def delivered(self) -> list[str]:
        return [s for event in self.events for s in sequences_of(event)]


def sequences_of(event: dict[str, Any]) -> list[str]:
    return [r["kinesis"]["sequenceNumber"] for r in event["Records"]]


def put(settings: Settings, datas: list[bytes], key: str = "pk") -> list[dict[str, Any]]:
    """Put records one by one (in order); returns Kinesis's answers (shard, sequence)."""
    kinesis = aws.client(settings, "kinesis")
    return [
        dict(kinesis.put_record(StreamName=settings.kinesis_stream, Data=data, PartitionKey=key))
        for data in datas
    ]


def test_events_are_lambda_shaped_with_real_sequence_numbers(consumer: Consumer) -> None:
    settings = consumer.settings
    lines = Lines()
    datas = [record([lines.line(["alpha"]), lines.line(["beta"])]) for _ in range(25)]
    answers = put(settings, datas)
    recorder = Recorder()

    report = Runner(settings, recorder, pacing=FAST).run(until_idle=True)

    arn = aws.client(settings, "kinesis").describe_stream_summary(
        StreamName=settings.kinesis_stream
    )["StreamDescriptionSummary"]["StreamARN"]
    assert recorder.delivered() == [a["SequenceNumber"] for a in answers]
    assert [len(e["Records"]) for e in recorder.events] == [10, 10, 5]
    shard = answers[0]["ShardId"]
    for event in recorder.events:
        for item in event["Records"]:
            assert item["eventSource"] == "aws:kinesis"
            assert item["eventSourceARN"] == arn
            assert item["eventID"] == f"{shard}:{item['kinesis']['sequenceNumber']}"
            assert item["kinesis"]["partitionKey"] == "pk"
    assert [
        base64.b64decode(r["kinesis"]["data"]) for e in recorder.events for r in e["Records"]
    ] == (datas)
    assert report.records == 25
    assert len(stored_tweets(settings)) == 50
    assert (
        Checkpoints(settings, settings.kinesis_stream).load(shard).sequence
        == (answers[-1]["SequenceNumber"])
    )


def test_a_handler_failure_mid_batch_is_resumed_without_loss_or_duplicates(
    consumer: Consumer, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = consumer.settings
    lines = Lines()
    batches = [[lines.line(["alpha"]) for _ in range(3)] for _ in range(12)]
    with_hook(consumer, failing_for({tweet_id(batches[6][1])}, times=2))
    answers = put(settings, [record(b) for b in batches])
    seqs = [a["SequenceNumber"] for a in answers]
    recorder = Recorder()

    Runner(settings, recorder, mapping=NO_WAIT, pacing=FAST).run(until_idle=True)

    # Records before the failed one are delivered once; retries start at the failed one.
    delivered = recorder.delivered()
    assert delivered.count(seqs[5]) == 1
    assert delivered.count(seqs[6]) == 3
    retries = [e for e in recorder.events if sequences_of(e)[0] == seqs[6]]
    assert len(retries) == 2
    assert set(stored_tweets(settings)) == {tweet_id(x) for b in batches for x in b}
    assert dead_letters(settings) == []
    emf = [line for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    stored = sum(float(line.split('"TweetsStored":[')[1].split("]")[0]) for line in emf)
    duplicates = sum(float(line.split('"DuplicatesSkipped":[')[1].split("]")[0]) for line in emf)
    assert (stored, duplicates) == (36, 0)  # nothing counted twice


def test_a_function_that_keeps_crashing_is_bisected_then_dead_lettered(
    consumer: Consumer,
) -> None:
    settings = consumer.settings
    lines = Lines()
    batches = [[lines.line(["alpha"])] for _ in range(10)]
    answers = put(settings, [record(b) for b in batches])
    seqs = [a["SequenceNumber"] for a in answers]
    mapping = replace(NO_WAIT, maximum_retry_attempts=2)
    recorder = Recorder(fail_on=seqs[4])

    report = Runner(settings, recorder, mapping=mapping, pacing=FAST).run(until_idle=True)

    [letter] = dead_letters(settings)
    info = letter["KinesisBatchInfo"]
    assert letter["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert (info["shardId"], info["startSequenceNumber"], info["endSequenceNumber"]) == (
        answers[4]["ShardId"],
        seqs[4],
        seqs[4],
    )
    assert info["batchSize"] == 1  # bisected down to the record that kills the function
    assert f"the function crashed on {seqs[4]}" in letter["error"]
    expected = {tweet_id(b[0]) for i, b in enumerate(batches) if i != 4}
    assert set(stored_tweets(settings)) == expected
    assert [s.dead_lettered for s in report.shards.values()] == [1]


def test_a_restart_resumes_from_the_checkpoints(consumer: Consumer) -> None:
    settings = consumer.settings
    lines = Lines()
    first = put(settings, [record([lines.line(["alpha"])]) for _ in range(6)])
    mapping = replace(NO_WAIT, batch_size=2)
    stopper = Recorder()
    runner = Runner(settings, stopper, mapping=mapping, pacing=FAST)

    def stop_after_one(event: dict[str, Any], context: Any) -> Any:
        runner.stop()  # as if SIGTERM arrived during the first batch
        return stopper(event, context)

    runner.wiring.invoke = stop_after_one
    runner.run()
    assert stopper.delivered() == [a["SequenceNumber"] for a in first[:2]]

    again = Recorder()
    Runner(settings, again, mapping=mapping, pacing=FAST).run(until_idle=True)
    assert again.delivered() == [a["SequenceNumber"] for a in first[2:]]

    later = put(settings, [record([lines.line(["alpha"])]) for _ in range(3)])
    third = Recorder()
    Runner(settings, third, mapping=mapping, pacing=FAST).run(until_idle=True)
    assert third.delivered() == [a["SequenceNumber"] for a in later]
    assert len(stored_tweets(settings)) == 9


def test_shards_are_processed_in_parallel(local_cloud: LocalCloud) -> None:
    settings = local_cloud.settings(name_prefix=unique_prefix(), stream_shards=2)
    bootstrap(settings)
    runtime.install(Consumer.from_settings(settings))
    try:
        lines = Lines()
        answers: list[dict[str, Any]] = []
        for n in range(40):  # random keys spread over both shards
            answers += put(settings, [record([lines.line(["alpha"])])], key=f"key-{n}")
        shards = {a["ShardId"] for a in answers}
        assert len(shards) == 2
        # Each shard's first invocation waits for the other's: only parallel shards meet.
        barrier = threading.Barrier(2, timeout=20)
        met: set[str] = set()
        recorder = Recorder()

        def invoke(event: dict[str, Any], context: Any) -> Any:
            shard = event["Records"][0]["eventID"].split(":")[0]
            if shard not in met:
                met.add(shard)
                barrier.wait()
            return recorder(event, context)

        report = Runner(settings, invoke, mapping=NO_WAIT, pacing=FAST).run(until_idle=True)
    finally:
        runtime.install(None)

    assert not barrier.broken
    assert set(report.shards) == shards
    assert sorted(recorder.delivered()) == sorted(a["SequenceNumber"] for a in answers)
    checkpoints = Checkpoints(settings, settings.kinesis_stream).all()
    for shard in shards:
        last = [a["SequenceNumber"] for a in answers if a["ShardId"] == shard][-1]
        assert checkpoints[shard].sequence == last


class Flaky:
    """The runner's Kinesis client, with calls of ``method`` that fail while ``failing`` says.

    ``get_records`` reads one record a call, so a batching window takes several reads.
    """

    def __init__(self, real: Any, method: str, failing: Any) -> None:
        self.real, self.method, self.failing = real, method, failing
        self.calls = 0
        self.failures = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.real, name)
        if name != self.method:
            return attribute

        def call(**kwargs: Any) -> Any:
            self.calls += 1
            if self.failing(self.calls):
                self.failures += 1
                raise EndpointConnectionError(endpoint_url="http://kinesis.unreachable")
            if name == "get_records":
                kwargs["Limit"] = 1
            return attribute(**kwargs)

        return call


def test_records_read_before_a_failed_read_in_a_batching_window_are_delivered(
    consumer: Consumer,
) -> None:
    # Regression (chaos kinesis-outage-consumer): the window's first read moved the
    # reader past a record, the second read failed, and the record was never delivered.
    settings = consumer.settings
    lines = Lines()
    answers = put(settings, [record([lines.line(["alpha"])]) for _ in range(3)])
    recorder = Recorder()
    runner = Runner(settings, recorder, pacing=FAST)  # a 1 s batching window
    flaky = Flaky(runner.wiring.kinesis, "get_records", lambda call: call == 2)
    runner.wiring.kinesis = flaky

    runner.run(until_idle=True)

    assert flaky.failures == 1
    assert recorder.delivered() == [a["SequenceNumber"] for a in answers]
    assert len(stored_tweets(settings)) == 3


def test_the_runner_keeps_looking_for_shards_while_kinesis_is_away(consumer: Consumer) -> None:
    # Regression (chaos kinesis and DynamoDB outages): ListShards failing made the
    # runner exit; it must retry, as its shard workers do.
    settings = consumer.settings
    lines = Lines()
    recorder = Recorder()
    runner = Runner(settings, recorder, mapping=NO_WAIT, pacing=FAST, rediscover_every=0.1)
    flaky = Flaky(runner.wiring.kinesis, "list_shards", lambda call: call <= 5)
    runner.wiring.kinesis = flaky
    errors: list[BaseException] = []

    def run() -> None:
        try:
            runner.run()
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        answers = put(settings, [record([lines.line(["alpha"])]) for _ in range(3)])
        deadline = time.monotonic() + 30
        while len(recorder.delivered()) < 3 and thread.is_alive():
            assert time.monotonic() < deadline, "the records were not delivered"
            time.sleep(0.1)
        assert thread.is_alive(), f"the runner exited: {errors}"
    finally:
        runner.stop()
        thread.join(30)
    assert flaky.failures == 5
    assert errors == []
    assert recorder.delivered() == [a["SequenceNumber"] for a in answers]


class Pages:
    """GetRecords answers in order (records or none), and one other client call."""

    def __init__(self, *pages: int) -> None:
        self.pages = list(pages)

    def get_records(self, **kwargs: Any) -> dict[str, Any]:
        return {"Records": [{"SequenceNumber": str(i)} for i in range(self.pages.pop(0))]}

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, str]:
        return {"ShardIterator": "it"}


def wiring_with(kinesis: Any, poll_interval: float) -> Wiring:
    return Wiring(kinesis=kinesis, stream="s", stream_arn="arn", region="us-east-1",
                  checkpoints=None, dead_letters=None, invoke=lambda e, c: None,  # type: ignore[arg-type]
                  context=lambda: None, mapping=MAPPING,  # type: ignore[arg-type,return-value]
                  pacing=Pacing(poll_interval=poll_interval), stop=threading.Event())  # fmt: skip


def test_a_shard_with_records_is_polled_fast_and_an_idle_one_backs_off() -> None:
    shared = wiring_with(Pages(3, 0, 0, 0, 0, 1, 0), poll_interval=1.0)
    own = backing_off(shared)
    assert isinstance(own.kinesis, BackOff)
    intervals = []
    for _ in range(7):
        own.kinesis.get_records(ShardIterator="it", Limit=10)
        intervals.append(own.pacing.poll_interval)
    assert intervals == [BUSY_POLL_INTERVAL, 0.4, 0.8, 1.0, 1.0, BUSY_POLL_INTERVAL, 0.4]
    # Each shard paces itself: the runner's shared wiring keeps the configured interval.
    assert shared.pacing.poll_interval == 1.0
    assert own.kinesis.get_shard_iterator(StreamName="s")["ShardIterator"] == "it"


def test_a_poll_interval_below_the_busy_one_is_kept() -> None:
    own = backing_off(wiring_with(Pages(1, 0, 0), poll_interval=0.05))
    for _ in range(3):
        own.kinesis.get_records(ShardIterator="it", Limit=10)
        assert own.pacing.poll_interval == 0.05
