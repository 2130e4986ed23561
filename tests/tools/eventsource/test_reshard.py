"""Resharding under the local runner: nothing lost, parents finished before their children.

kinesis-mock splits and merges shards as Kinesis does (closed parents, children
naming them as ``ParentShardId``/``AdjacentParentShardId``), so the stream is
resharded for real while the runner is in the middle of a batch.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from chalicelib.consumer.service import Consumer
from chalicelib.core import aws
from chalicelib.core.settings import Settings
from tests.chalicelib.consumer.conftest import stored_tweets
from tests.chalicelib.consumer.support import Lines, record, tweet_id
from tests.tools.eventsource.test_runner import FAST, NO_WAIT, Recorder, sequences_of
from tools.eventsource.checkpoints import Checkpoints
from tools.eventsource.runner import Runner, ready_shards

#: Generous: only a broken runner gets near it.
DEADLINE_S = 120


class Timeline(Recorder):
    """The app's handler; notes when each invocation starts and ends, in one global order.

    The first invocation waits for ``gate``: the stream is resharded while it runs.
    """

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.started = threading.Event()
        self.steps: list[tuple[str, str, list[str]]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        shard = event["Records"][0]["eventID"].split(":")[0]
        with self.lock:
            self.steps.append(("start", shard, sequences_of(event)))
        self.started.set()
        if not self.gate.wait(DEADLINE_S):
            raise RuntimeError("the test never opened the gate")
        response = super().__call__(event, context)
        with self.lock:
            self.steps.append(("end", shard, sequences_of(event)))
        return response

    def first_start(self, shard: str) -> int:
        return next(i for i, (kind, s, _) in enumerate(self.steps) if (kind, s) == ("start", shard))

    def last_end(self, shard: str) -> int:
        ends = [i for i, (kind, s, _) in enumerate(self.steps) if (kind, s) == ("end", shard)]
        return ends[-1]

    def finished(self) -> int:
        with self.lock:
            return sum(len(seqs) for kind, _, seqs in self.steps if kind == "end")

    def sequences(self, shard: str) -> list[str]:
        return [q for kind, s, seqs in self.steps if (kind, s) == ("end", shard) for q in seqs]


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


class Stream:
    """The stage's stream, resharded and written to shard by shard."""

    def __init__(self, settings: Settings) -> None:
        self.kinesis = aws.client(settings, "kinesis")
        self.name = settings.kinesis_stream
        self.lines = Lines()
        self.put: dict[str, list[str]] = {}  # shard -> sequence numbers written
        self.tweets: list[str] = []

    def shards(self) -> list[dict[str, Any]]:
        return list(self.kinesis.list_shards(StreamName=self.name)["Shards"])

    def open_shards(self) -> list[dict[str, Any]]:
        """Open shards, lowest hash keys first."""
        found = [s for s in self.shards() if "EndingSequenceNumber" not in s["SequenceNumberRange"]]
        return sorted(found, key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]))

    def write(self, shard: dict[str, Any], count: int) -> None:
        """``count`` one-tweet records aimed at ``shard`` by its hash key range."""
        for _ in range(count):
            line = self.lines.line(["alpha"])
            answer = self.kinesis.put_record(
                StreamName=self.name,
                Data=record([line]),
                PartitionKey="any",
                ExplicitHashKey=shard["HashKeyRange"]["StartingHashKey"],
            )
            assert answer["ShardId"] == shard["ShardId"]
            self.put.setdefault(answer["ShardId"], []).append(answer["SequenceNumber"])
            self.tweets.append(tweet_id(line))

    def settle(self) -> None:
        wait_until(
            lambda: (
                self.kinesis.describe_stream_summary(StreamName=self.name)[
                    "StreamDescriptionSummary"
                ]["StreamStatus"]
                == "ACTIVE"
            ),
            "the stream to be ACTIVE again",
        )


def test_a_reshard_while_consuming_loses_nothing_and_finishes_parents_first(
    consumer: Consumer,
) -> None:
    settings = consumer.settings
    stream = Stream(settings)
    [root] = stream.open_shards()
    stream.write(root, 12)
    timeline = Timeline()
    # Children must start because their parents ended, not because of a periodic look.
    runner = Runner(
        settings,
        timeline,
        mapping=replace(NO_WAIT, batch_size=4),
        pacing=FAST,
        rediscover_every=DEADLINE_S * 10,
    )
    thread = threading.Thread(target=runner.run, name="runner", daemon=True)
    thread.start()
    try:
        assert timeline.started.wait(DEADLINE_S)  # the first batch of the root is in the handler
        # Split the root in two; the low child gets a little, the high child a lot.
        stream.kinesis.update_shard_count(
            StreamName=settings.kinesis_stream,
            TargetShardCount=2,
            ScalingType="UNIFORM_SCALING",
        )
        stream.settle()
        low, high = stream.open_shards()
        stream.write(low, 1)
        stream.write(high, 14)
        # Merge them back: the merged shard names the low one as ParentShardId and the
        # high one (still busy when the low one is done) as AdjacentParentShardId.
        stream.kinesis.merge_shards(
            StreamName=settings.kinesis_stream,
            ShardToMerge=low["ShardId"],
            AdjacentShardToMerge=high["ShardId"],
        )
        stream.settle()
        [merged] = stream.open_shards()
        stream.write(merged, 5)
        timeline.gate.set()
        total = sum(len(seqs) for seqs in stream.put.values())
        wait_until(lambda: timeline.finished() >= total, "every record to be handled")
    finally:
        timeline.gate.set()
        runner.stop()
        thread.join(DEADLINE_S)
    assert not thread.is_alive()

    # Nothing lost, nothing twice, each shard in order.
    for shard, written in stream.put.items():
        assert timeline.sequences(shard) == written, shard
    assert sorted(timeline.delivered()) == sorted(q for qs in stream.put.values() for q in qs)
    assert sorted(stored_tweets(settings)) == sorted(stream.tweets)
    # Lambda's rule: a child's first invocation only after each parent's last one ended.
    shards = {s["ShardId"]: s for s in stream.shards()}
    assert shards[merged["ShardId"]]["AdjacentParentShardId"] == high["ShardId"]
    for shard_id, shard in shards.items():
        for parent in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")):
            if parent is not None:
                assert timeline.last_end(parent) < timeline.first_start(shard_id), (
                    f"{shard_id} started before its parent {parent} was done"
                )
    # Parents are closed in the checkpoints; a restart reads nothing again.
    checkpoints = Checkpoints(settings, settings.kinesis_stream).all()
    assert {s for s, c in checkpoints.items() if c.closed} == {
        root["ShardId"],
        low["ShardId"],
        high["ShardId"],
    }
    again = Recorder()
    Runner(settings, again, mapping=NO_WAIT, pacing=FAST).run(until_idle=True)
    assert again.delivered() == []


def test_a_shard_waits_for_both_parents_of_a_merge() -> None:
    listed = [
        {"ShardId": "a"},
        {"ShardId": "b"},
        {"ShardId": "m", "ParentShardId": "a", "AdjacentParentShardId": "b"},
        {"ShardId": "c", "ParentShardId": "gone"},  # its parent aged out of the stream
    ]
    assert ready_shards(listed, set()) == {"a", "b", "c"}
    assert ready_shards(listed, {"a"}) == {"b", "c"}
    assert ready_shards(listed, {"a", "b"}) == {"c", "m"}
