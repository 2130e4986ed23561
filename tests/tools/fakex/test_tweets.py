"""Generated tweets: X's documented shapes, realism, determinism, snowflake ids."""

from __future__ import annotations

import unicodedata
from typing import Any

import orjson
import pytest

from tests.tools.fakex.support import Stream
from tests.tools.fakex.xshapes import StreamLine
from tools.fakex import FakeX
from tools.fakex.engine import Engine, FakeXConfig
from tools.fakex.fields import Selection
from tools.fakex.matcher import features_of
from tools.fakex.rulelang import normalize
from tools.fakex.snowflake import iso_ms, snowflake_ms
from tools.fakex.sources import stamp
from tools.fakex.timeline import Timeline

RULES = ["love", "#news", '"good morning"', "from:NASA", "today has:links", "hoy OR 今日"]
EVERYTHING = {
    "tweet.fields": "attachments,author_id,conversation_id,created_at,edit_history_tweet_ids,"
    "entities,in_reply_to_user_id,lang,note_tweet,possibly_sensitive,public_metrics,"
    "referenced_tweets,reply_settings",
    "user.fields": "created_at,description,location,profile_image_url,protected,public_metrics,"
    "url,verified,verified_type",
    "media.fields": "url,width,height,alt_text",
    "expansions": "author_id,entities.mentions.username,in_reply_to_user_id,"
    "referenced_tweets.id,referenced_tweets.id.author_id,attachments.media_keys",
}


@pytest.fixture(scope="module")
def hundred() -> list[dict[str, Any]]:
    """100 distinct tweets off the stream: a pool of exactly 100, seen once each."""
    with FakeX(rate=2000, keepalive=0.2, pool_size=100, seed=0) as fake:
        fake.add_rules(*RULES)
        with Stream(fake, params=EVERYTHING) as stream:
            return stream.objects(100)


def check_entities(text: str, entities: dict[str, Any]) -> None:
    for tag in entities.get("hashtags", ()):
        assert text[tag["start"] : tag["end"]] == "#" + tag["tag"]
    for mention in entities.get("mentions", ()):
        assert text[mention["start"] : mention["end"]] == "@" + mention["username"]
    for url in entities.get("urls", ()):
        assert text[url["start"] : url["end"]] == url["url"]


def full_text(tweet: dict[str, Any]) -> str:
    return str(tweet.get("note_tweet", tweet)["text"])


def test_hundred_tweets_have_xs_documented_shapes(hundred: list[dict[str, Any]]) -> None:
    assert len({line["data"]["id"] for line in hundred}) == 100
    for line in hundred:
        StreamLine.model_validate(line)
        tweet, includes = line["data"], line.get("includes", {})
        assert tweet["edit_history_tweet_ids"] == [tweet["id"]]
        assert tweet["created_at"] == iso_ms(snowflake_ms(int(tweet["id"])))
        assert len(tweet["text"]) <= 280
        check_entities(tweet["text"], tweet.get("entities", {}))
        users = {user["id"]: user for user in includes.get("users", ())}
        assert tweet["author_id"] in users
        for mention in tweet.get("entities", {}).get("mentions", ()):
            assert users[mention["id"]]["username"] == mention["username"]
        if "note_tweet" in tweet:
            assert len(tweet["note_tweet"]["text"]) > 280
            assert tweet["text"].endswith("…")
            check_entities(tweet["note_tweet"]["text"], tweet["note_tweet"].get("entities", {}))
        referenced = {t["id"]: t for t in includes.get("tweets", ())}
        for ref in tweet.get("referenced_tweets", ()):
            original = referenced[ref["id"]]
            assert int(original["id"]) < int(tweet["id"])  # older, so a smaller snowflake
            assert original["author_id"] in users
            check_entities(original["text"], original.get("entities", {}))
            if ref["type"] == "retweeted":
                head = f"RT @{users[original['author_id']]['username']}: "
                assert tweet["text"].startswith(head)
                assert len(tweet["text"]) <= 140
                assert (head + full_text(original)).startswith(tweet["text"].rstrip("…"))
            if ref["type"] == "replied_to":
                assert tweet["in_reply_to_user_id"] == original["author_id"]
                assert tweet["conversation_id"] == original["conversation_id"]
        media = {m["media_key"] for m in includes.get("media", ())}
        assert set(tweet.get("attachments", {}).get("media_keys", ())) <= media


def test_hundred_tweets_cover_every_kind_and_tricky_unicode(hundred: list[dict[str, Any]]) -> None:
    kinds = {ref["type"] for line in hundred for ref in line["data"].get("referenced_tweets", ())}
    assert kinds == {"retweeted", "replied_to", "quoted"}
    assert any(not line["data"].get("referenced_tweets") for line in hundred)
    texts = [full_text(line["data"]) for line in hundred] + [
        full_text(t) for line in hundred for t in line.get("includes", {}).get("tweets", ())
    ]
    assert any("note_tweet" in line["data"] for line in hundred) or any(
        "note_tweet" in t for line in hundred for t in line.get("includes", {}).get("tweets", ())
    )
    assert any(any(ord(ch) > 0xFFFF for ch in text) for text in texts)  # 4-byte emoji
    assert any(any(unicodedata.combining(ch) for ch in text) for text in texts)
    assert any(any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text) for text in texts)
    assert len({line["data"]["lang"] for line in hundred}) >= 4
    assert any("attachments" in line["data"] for line in hundred)


def test_matching_rules_are_the_rules_the_tweet_satisfies(hundred: list[dict[str, Any]]) -> None:
    for line in hundred:
        assert all(
            set(rule) == {"id", "tag"} and rule["tag"] == "" for rule in line["matching_rules"]
        )
    love = [line for line in hundred if "love" in normalize(full_text(line["data"]))]
    assert love  # the generator aims at the rules


def lines(seed: int, count: int = 150) -> list[bytes]:
    config = FakeXConfig(seed=seed, rate=1000, start=1_800_000_000.0, pool_size=64)
    engine = Engine(config, clock=lambda: 1_800_000_000.0)  # rule ids come from the clock
    engine.rules.post({"add": [{"value": value} for value in RULES]})
    selection = Selection(tweet=("id", "text", "author_id", "entities", "created_at"))
    source = engine.sources["filtered"]
    found = []
    for slot in range(count):
        entry = source.entry(slot)
        if entry is not None:
            found.append(stamp(entry.line(selection), engine.timeline.id_of(slot)))
    return found


def test_same_seed_gives_the_same_tweets_and_another_seed_does_not() -> None:
    first, again, other = lines(seed=5), lines(seed=5), lines(seed=6)
    assert len(first) > 140
    assert first == again
    texts = [orjson.loads(line)["data"]["text"] for line in first]
    assert texts != [orjson.loads(line)["data"]["text"] for line in other]


def test_slot_ids_are_snowflakes_that_increase_with_time() -> None:
    timeline = Timeline(start=1_800_000_000.0, rate=25_000)
    ids = [timeline.id_of(slot) for slot in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for slot in (0, 24, 25, 4999):
        assert snowflake_ms(ids[slot]) == timeline.ms_of(slot)
    assert snowflake_ms(ids[-1]) - snowflake_ms(ids[0]) == 199  # 5000 slots at 25/ms
    # The sample stream numbers its slots as another worker: never the same id.
    sample = Timeline(start=1_800_000_000.0, rate=25_000, worker=1)
    assert not {sample.id_of(slot) for slot in range(5000)} & set(ids)
    assert snowflake_ms(sample.id_of(4999)) == snowflake_ms(ids[4999])


@pytest.mark.parametrize(
    "rule",
    [
        "rockets is:retweet",
        "rockets is:reply",
        "rockets is:quote",
        "rockets has:media",
        "to:NASA rockets",
        "rockets -has:links -is:retweet -has:mentions",
        "(#Space OR @XDevelopers) lang:ja",
        '"launch window" -is:reply',
    ],
)
def test_generated_tweets_aim_at_each_operator(rule: str) -> None:
    engine = Engine(FakeXConfig(seed=1, rate=100, start=1_800_000_000.0))
    status, body = engine.rules.post({"add": [{"value": rule, "tag": "t"}]})
    assert status == 201, body
    source = engine.sources["filtered"]
    entries = [source.entry(slot) for slot in range(40)]
    assert sum(entry is not None for entry in entries) >= 36
    version = engine.rules.current
    for entry in entries:
        if entry is not None:
            assert entry.matching_rules == [{"id": body["data"][0]["id"], "tag": "t"}]
            assert version.index.match(features_of(entry.bundle))
