"""Failure handling in the handler: partial batch responses, poison records, outages."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from chalicelib.consumer import runtime
from chalicelib.consumer.mapping import MAPPING
from chalicelib.consumer.parsing import TweetSource
from chalicelib.consumer.quarantine import MAX_DATA_BYTES, RecordRef, dead_letter
from chalicelib.consumer.service import Consumer
from chalicelib.consumer.telemetry import logger
from chalicelib.consumer.tweetmodel import TweetShape
from chalicelib.core import aws, records
from chalicelib.core.settings import Settings
from chalicelib.dynamo_batches import Batches
from chaos.faultproxy import FaultProxy
from tests.chalicelib.consumer.conftest import dead_letters, invoke, stored_tweets
from tests.chalicelib.consumer.support import (
    SHARD,
    FaultyDynamo,
    Lines,
    kinesis_event,
    record,
    sequences,
    tweet_id,
)


def failing_for(tweet_ids: set[str], times: int) -> Callable[[TweetSource], Mapping[str, object]]:
    """A tweet model hook that raises for ``tweet_ids``, the first ``times`` calls each."""
    calls: dict[str, int] = {}

    def hook(source: TweetSource) -> Mapping[str, object]:
        if source.tweet_id in tweet_ids:
            calls[source.tweet_id] = calls.get(source.tweet_id, 0) + 1
            if calls[source.tweet_id] <= times:
                raise RuntimeError(f"cannot store {source.tweet_id} yet")
        return {}

    return hook


def failed(event: dict[str, Any]) -> dict[str, Any]:
    """The response that reports the event's first record (and so all) as failed."""
    return {"batchItemFailures": [{"itemIdentifier": s} for s in sequences(event)]}


def with_hook(consumer: Consumer, hook: Callable[[TweetSource], Mapping[str, object]]) -> None:
    consumer.store.shape = TweetShape(consumer.store.shape.model, hook)


def test_a_failed_record_and_the_rest_are_reported_and_retried(consumer: Consumer) -> None:
    lines = Lines()
    batches = [[lines.line(["alpha"]) for _ in range(3)] for _ in range(4)]
    with_hook(consumer, failing_for({tweet_id(batches[1][2])}, times=1))
    event = kinesis_event([record(b) for b in batches])
    seqs = sequences(event)

    response = invoke(event)

    # The failed record and every record after it, so Lambda retries from the first.
    assert response == {"batchItemFailures": [{"itemIdentifier": s} for s in seqs[1:]]}
    stored = stored_tweets(consumer.settings)
    assert set(stored) == {tweet_id(x) for x in batches[0]}  # later records not attempted
    # Lambda retries from the lowest failed sequence number.
    retry = {"Records": event["Records"][1:]}
    assert invoke(retry) == {"batchItemFailures": []}
    assert set(stored_tweets(consumer.settings)) == {tweet_id(x) for b in batches for x in b}
    assert dead_letters(consumer.settings) == []


def test_a_poison_record_goes_to_the_dead_letter_queue_after_the_configured_tries(
    consumer: Consumer,
) -> None:
    lines = Lines()
    batches = [[lines.line(["alpha"])] for _ in range(3)]
    poison = tweet_id(batches[1][0])
    with_hook(consumer, failing_for({poison}, times=1_000))
    event = kinesis_event([record(b) for b in batches])
    seqs = sequences(event)

    assert invoke(event)["batchItemFailures"][0] == {"itemIdentifier": seqs[1]}
    retry = {"Records": event["Records"][1:]}
    for _ in range(MAPPING.record_max_attempts - 2):
        assert invoke(retry)["batchItemFailures"][0] == {"itemIdentifier": seqs[1]}
    assert dead_letters(consumer.settings) == []
    assert invoke(retry) == {"batchItemFailures": []}  # the last try: set aside, shard moves on

    [letter] = dead_letters(consumer.settings)
    assert letter["reason"] == "failed-record"
    assert (letter["shardId"], letter["sequenceNumber"]) == (SHARD, seqs[1])
    assert letter["attempts"] == MAPPING.record_max_attempts
    assert f"RuntimeError: cannot store {poison} yet" in letter["error"]
    [entry] = records.decode(base64.b64decode(letter["data"]))
    assert entry.line == batches[1][0]
    assert set(stored_tweets(consumer.settings)) == {
        tweet_id(batches[0][0]),
        tweet_id(batches[2][0]),
    }


def test_a_bad_line_is_quarantined_and_the_rest_of_its_record_stored(consumer: Consumer) -> None:
    lines = Lines()
    good = [lines.line(["alpha"]), lines.line(["alpha"])]
    bad = [b"{not json", b'{"errors": [{"title": "operational-disconnect"}]}']
    event = kinesis_event([record([good[0], bad[0], good[1], bad[1]])])
    assert invoke(event) == {"batchItemFailures": []}
    assert set(stored_tweets(consumer.settings)) == {tweet_id(x) for x in good}
    letters = dead_letters(consumer.settings)
    assert sorted((m["lineIndex"], base64.b64decode(m["data"])) for m in letters) == [
        (1, bad[0]),
        (3, bad[1]),
    ]
    assert {m["reason"] for m in letters} == {"bad-line"}
    assert all(m["sequenceNumber"] == sequences(event)[0] for m in letters)


def test_unprocessed_items_are_retried_with_growing_pauses(full_stage: Settings) -> None:
    faulty = FaultyDynamo(aws.client(full_stage, "dynamodb"))
    tweets_table = full_stage.table_name("tweets")
    faulty.leftovers[tweets_table] = 3
    pauses: list[float] = []
    consumer = Consumer.from_settings(
        full_stage,
        batches=Batches(faulty, sleep=pauses.append),  # type: ignore[arg-type]
    )
    lines = Lines()
    batch = [lines.line(["alpha"]) for _ in range(30)]  # two BatchWriteItems of tweets
    runtime.install(consumer)
    try:
        assert invoke(kinesis_event([record(batch)])) == {"batchItemFailures": []}
    finally:
        runtime.install(None)

    assert set(stored_tweets(full_stage)) == {tweet_id(x) for x in batch}
    assert len(pauses) == 3
    assert pauses[1] > pauses[0] / 2 and pauses[2] > pauses[1] / 2  # exponential, jittered
    assert sum(pauses) < 1


def test_writes_still_unprocessed_after_every_retry_fail_the_record(full_stage: Settings) -> None:
    faulty = FaultyDynamo(aws.client(full_stage, "dynamodb"))
    faulty.leftovers[full_stage.table_name("tweets")] = 100
    batches = Batches(faulty, max_attempts=3, sleep=lambda _: None)  # type: ignore[arg-type]
    runtime.install(Consumer.from_settings(full_stage, batches=batches))
    try:
        lines = Lines()
        event = kinesis_event([record([lines.line() for _ in range(5)])])
        assert invoke(event) == failed(event)
    finally:
        runtime.install(None)


def test_an_unreachable_dynamodb_is_an_outage_not_poison(
    full_stage: Settings, local_cloud: object
) -> None:
    target = full_stage.dynamodb_endpoint or ""
    host, port = target.removeprefix("http://").split(":")
    with FaultProxy(host, int(port)) as proxy:
        settings = full_stage.model_copy(update={"dynamodb_endpoint": proxy.url})
        consumer = Consumer.from_settings(settings)
        consumer.mapping = replace(MAPPING, record_max_attempts=1)
        runtime.install(consumer)
        try:
            proxy.down()
            line = Lines().line(["alpha"])
            event = kinesis_event([record([line])])
            for _ in range(2):  # even past record_max_attempts: nothing is set aside
                assert invoke(event) == {
                    "batchItemFailures": [{"itemIdentifier": sequences(event)[0]}]
                }
            assert dead_letters(full_stage) == []
            proxy.up()
            assert invoke(event) == {"batchItemFailures": []}
        finally:
            runtime.install(None)
    assert set(stored_tweets(full_stage)) == {tweet_id(line)}


def test_big_data_is_left_out_of_a_dead_letter_but_located() -> None:
    ref = RecordRef("arn:stream", SHARD, "123", "pk", 1.5)
    letter = dead_letter("undecodable-record", ref, "boom", b"x" * (MAX_DATA_BYTES + 1))
    assert letter["dataOmitted"] is True and "data" not in letter
    assert (letter["shardId"], letter["sequenceNumber"], letter["dataBytes"]) == (
        SHARD,
        "123",
        MAX_DATA_BYTES + 1,
    )


def test_logs_carry_the_lambda_context(consumer: Consumer) -> None:
    buffer = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(buffer)
    try:
        invoke(kinesis_event([record([Lines().line(["alpha"])])]))
    finally:
        handler.setStream(previous)
    [done] = [json.loads(line) for line in buffer.getvalue().splitlines() if "batch done" in line]
    assert done["function_name"] == "consume_tweets"
    assert done["function_request_id"]
    assert (done["stored"], done["records"]) == (1, 1)
