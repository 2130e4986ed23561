"""STREAMFEED_TWEET_MODEL: a TweetModel subclass or a hook adds attributes to stored tweets."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from chalicelib.consumer import TweetModelError, runtime
from chalicelib.consumer.parsing import TweetSource
from chalicelib.consumer.service import Consumer
from chalicelib.consumer.tweetmodel import load_shape
from chalicelib.core import aws
from chalicelib.core.models import bind
from chalicelib.core.settings import Settings
from chalicelib.timelines import get_tweet
from tests.chalicelib.consumer import custom_models
from tests.chalicelib.consumer.conftest import invoke
from tests.chalicelib.consumer.support import Lines, kinesis_event, record, sequences

HERE = "tests.chalicelib.consumer"
MODELS = f"{HERE}.custom_models"
README = Path(__file__).resolve().parents[3] / "README.md"


@pytest.fixture
def custom(full_stage: Settings, request: pytest.FixtureRequest) -> Iterator[Settings]:
    settings = full_stage.model_copy(update={"tweet_model": request.param})
    runtime.install(Consumer.from_settings(settings))
    try:
        yield settings
    finally:
        runtime.install(None)


def tagged_line(lines: Lines, kind: str = "original") -> bytes:
    obj = orjson.loads(lines.line(["alpha"], kind=kind))
    obj["data"]["entities"] = {"hashtags": [{"start": 0, "end": 7, "tag": "Python"}]}
    obj["data"]["public_metrics"] = {"like_count": 12, "impression_count": 345}
    return orjson.dumps(obj)


@pytest.mark.parametrize("custom", [f"{MODELS}.HashtagTweet"], indirect=True)
def test_a_model_subclass_stores_its_own_attributes(custom: Settings) -> None:
    line = tagged_line(Lines())
    tweet_id = orjson.loads(line)["data"]["id"]
    assert invoke(kinesis_event([record([line])])) == {"batchItemFailures": []}

    mine = bind(custom_models.HashtagTweet, custom).get(tweet_id)
    assert (mine.hashtags, mine.like_count) == ({"python"}, 12)
    # The API reads the same row with the project's model.
    assert get_tweet(custom, tweet_id).text == orjson.loads(line)["data"]["text"]


@pytest.mark.parametrize("custom", ["tests.chalicelib.consumer.custom_models:reach"], indirect=True)
def test_a_hook_adds_attributes(custom: Settings) -> None:
    lines = Lines()
    original, reply = tagged_line(lines), tagged_line(lines, kind="reply")
    assert invoke(kinesis_event([record([original, reply])])) == {"batchItemFailures": []}

    ddb = aws.client(custom, "dynamodb")
    stored = {}
    for line in (original, reply):
        tweet_id = orjson.loads(line)["data"]["id"]
        key = {"tweet_id": {"S": tweet_id}}
        stored[tweet_id] = ddb.get_item(TableName=custom.table_name("tweets"), Key=key)["Item"]
    first, second = (stored[orjson.loads(x)["data"]["id"]] for x in (original, reply))
    assert first["impressions"] == {"N": "345"}
    assert (first["is_reply"], second["is_reply"]) == ({"BOOL": False}, {"BOOL": True})
    assert first["terms_matched"] == {"N": "1"}


@pytest.mark.parametrize("custom", [f"{MODELS}.overreaching"], indirect=True)
def test_a_hook_may_not_replace_what_the_api_reads(custom: Settings) -> None:
    event = kinesis_event([record([Lines().line(["alpha"])])])
    assert invoke(event) == {"batchItemFailures": [{"itemIdentifier": sequences(event)[0]}]}


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "tests.chalicelib.consumer.nowhere.Model",
            "there is no module 'tests.chalicelib.consumer.nowhere'",
        ),
        (f"{MODELS}.Missing", "has no attribute 'Missing'"),
        (
            f"{MODELS}.NotATweet",
            "not a subclass of chalicelib.core.models.TweetModel",
        ),
        (
            f"{MODELS}.NOT_A_MODEL",
            "is a int, not a TweetModel subclass",
        ),
        ("custom_models", "is not a dotted path"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(value: str, problem: str) -> None:
    with pytest.raises(TweetModelError) as info:
        load_shape(Settings(tweet_model=value))
    message = str(info.value)
    assert message.startswith("bad setting STREAMFEED_TWEET_MODEL: ")
    assert problem in message
    assert "\n" not in message


def test_a_source_gives_hooks_the_whole_line() -> None:
    line = tagged_line(Lines(), kind="retweet")
    source = TweetSource(
        orjson.loads(line)["data"], orjson.loads(line), line, frozenset({"alpha"}), 0
    )
    assert source.author is not None
    assert source.referenced("retweeted") == orjson.loads(line)["includes"]["tweets"][0]["id"]
    assert load_shape(Settings()).item(source, datetime.now(UTC))["term_ids"] == {"SS": ["alpha"]}


def test_the_readme_shows_the_tested_examples() -> None:
    text = README.read_text()
    for example in (custom_models.HashtagTweet, custom_models.reach):
        assert inspect.getsource(example) in text
