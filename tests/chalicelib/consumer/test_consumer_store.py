"""Storing tweets through the Lambda handler: once per id, with timelines and retweets."""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import orjson
import pytest

from chalicelib.consumer import runtime
from chalicelib.consumer.service import Consumer
from chalicelib.core import metricnames as names
from chalicelib.core.settings import Settings
from tests.chalicelib.consumer.conftest import (
    dead_letters,
    emf_counts,
    invoke,
    stored_tweets,
    timeline,
)
from tests.chalicelib.consumer.support import (
    SHARD,
    STREAM_ARN,
    Lines,
    kinesis_event,
    original_id,
    record,
    sequences,
    tweet_id,
)


@pytest.fixture
def capturing(full_stage: Settings) -> Iterator[Settings]:
    """The stage with STREAMFEED_CAPTURE_RETWEETS on, its consumer installed."""
    settings = full_stage.model_copy(update={"capture_retweets": True})
    runtime.install(Consumer.from_settings(settings))
    try:
        yield settings
    finally:
        runtime.install(None)


def test_batch_with_duplicates_retweets_and_a_poison_record(
    capturing: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = Lines()
    first = lines.line(["alpha"])
    second = lines.line(["alpha", "beta"])
    retweet = lines.line(["beta"], kind="retweet")
    third = lines.line(["gamma"])
    event = kinesis_event(
        [
            record([first, second, retweet, first]),  # the same tweet twice in one record
            b"not a streamfeed record",
            record([second, third]),  # a tweet of an earlier record again
        ]
    )

    assert invoke(event) == {"batchItemFailures": []}

    tweets = stored_tweets(capturing)
    original = original_id(retweet)
    ids = [tweet_id(x) for x in (first, second, retweet, third)]
    assert sorted(tweets) == sorted([*ids, original])
    assert tweets[tweet_id(second)].term_ids == {"alpha", "beta"}
    assert tweets[tweet_id(retweet)].retweet_of == original
    assert tweets[original].term_ids is None  # stored for reference, matched nothing
    assert tweets[original].author_username  # its author came from includes.users
    assert orjson.loads(zlib.decompress(tweets[original].payload))["data"]["id"] == original
    assert timeline(capturing, "alpha") == [tweet_id(second), tweet_id(first)]
    assert timeline(capturing, "beta") == [tweet_id(retweet), tweet_id(second)]
    assert timeline(capturing, "gamma") == [tweet_id(third)]

    [letter] = dead_letters(capturing)
    assert letter["reason"] == "undecodable-record"
    assert letter["shardId"] == SHARD
    assert letter["sequenceNumber"] == sequences(event)[1]
    assert letter["eventSourceARN"] == STREAM_ARN
    assert "not a streamfeed record" in letter["error"]

    [emf] = emf_counts(capsys.readouterr().out)
    assert emf[names.TWEETS_STORED] == 5
    assert emf[names.DUPLICATES_SKIPPED] == 2
    assert emf[names.RECORDS_QUARANTINED] == 1
    assert emf[names.STAGE_DIMENSION] == capturing.prefix
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == capturing.metrics_namespace
    assert emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[names.STAGE_DIMENSION]]


def test_redelivered_batch_changes_nothing_and_counts_duplicates(
    capturing: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = Lines()
    batch = [lines.line(["alpha"]), lines.line(["beta"], kind="retweet"), lines.line(["alpha"])]
    event = kinesis_event([record(batch)])
    invoke(event)
    before = {i: t.stored_at for i, t in stored_tweets(capturing).items()}

    invoke(event)  # Lambda re-delivers the same batch
    invoke(kinesis_event([record(batch[::-1])]))  # a replayed spool / backfill overlap

    assert {i: t.stored_at for i, t in stored_tweets(capturing).items()} == before
    assert timeline(capturing, "alpha") == [tweet_id(batch[2]), tweet_id(batch[0])]
    first, again, replay = emf_counts(capsys.readouterr().out)
    assert first[names.TWEETS_STORED] == 4
    assert (again[names.TWEETS_STORED], again[names.DUPLICATES_SKIPPED]) == (0, 4)
    assert (replay[names.TWEETS_STORED], replay[names.DUPLICATES_SKIPPED]) == (0, 4)


def test_without_capture_the_retweeted_original_is_not_stored(consumer: Consumer) -> None:
    retweet = Lines().line(["alpha"], kind="retweet")
    invoke(kinesis_event([record([retweet])]))
    assert sorted(stored_tweets(consumer.settings)) == [tweet_id(retweet)]


def test_a_captured_original_that_later_matches_joins_the_timeline(capturing: Settings) -> None:
    lines = Lines()
    retweet = lines.line(["alpha"], kind="retweet")
    invoke(kinesis_event([record([retweet])]))
    original = orjson.loads(retweet)["includes"]["tweets"][0]
    # The original itself is delivered later, matching a term.
    later = orjson.dumps(
        {
            "data": original,
            "includes": {"users": orjson.loads(retweet)["includes"]["users"]},
            "matching_rules": [{"id": "1", "tag": "beta"}],
        }
    )
    invoke(kinesis_event([record([later])]))

    assert stored_tweets(capturing)[original["id"]].term_ids == {"beta"}
    assert timeline(capturing, "beta") == [original["id"]]


def test_stored_attributes_are_what_the_api_reads(consumer: Consumer) -> None:
    lines = Lines()
    long_post = lines.line(["alpha"])
    obj = orjson.loads(long_post)
    obj["data"]["note_tweet"] = {"text": "the whole long post " * 30}
    reply = lines.line(["alpha"], kind="reply")
    quote = lines.line(["alpha"], kind="quote")
    bare = orjson.dumps({"data": {"id": lines.next_id(), "text": "from --from-file"}})
    invoke(kinesis_event([record([orjson.dumps(obj), reply, quote, bare])]))

    tweets = stored_tweets(consumer.settings)
    stored = tweets[obj["data"]["id"]]
    assert stored.text == obj["data"]["note_tweet"]["text"]
    assert stored.author_id == obj["data"]["author_id"]
    assert stored.lang == obj["data"]["lang"]
    assert (
        stored.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        == (obj["data"]["created_at"])
    )
    assert tweets[tweet_id(reply)].reply_to is not None
    assert tweets[tweet_id(quote)].quote_of is not None
    # No created_at, no author, no terms: the time comes from the snowflake id.
    plain = tweets[tweet_id(bare)]
    assert (plain.author_id, plain.term_ids, plain.text) == ("", None, "from --from-file")
    assert plain.created_at.year == 2024
    # Nothing X sent is lost: the whole line, compressed.
    assert orjson.loads(zlib.decompress(stored.payload)) == obj
