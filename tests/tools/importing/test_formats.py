"""Every archive format becomes v2 stream lines the consumer can store; the rest is refused.

The sample files are written from each format's documentation (X API v2, twarc2's
JSONL output, the v1.1 Tweet object); tests/tools/importing/test_import_command.py
also imports lines the project's fake X server wrote.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from chalicelib.consumer.parsing import TweetSource, parse_entries
from chalicelib.core.records import Entry
from streamer.lines import BadLine
from tools.importing.formats import V1_KEY, convert

DATA = Path(__file__).parent / "data"


def lines_of(name: str) -> list[bytes]:
    return [line for line in (DATA / name).read_bytes().splitlines() if line.strip()]


def stored(stream_lines: list[bytes]) -> dict[str, TweetSource]:
    """What the consumer's parser makes of the lines: tweets by id."""
    parsed = parse_entries([Entry(0, line) for line in stream_lines], capture_retweets=False)
    return {tweet.tweet_id: tweet for tweet in parsed.tweets}


def test_twarc2_stream_lines_lose_only_twarcs_metadata() -> None:
    converted = [convert(line) for line in lines_of("twarc2_stream.jsonl")]
    assert {c.kind for c in converted} == {"twarc2 stream line"}
    out = [orjson.loads(line) for c in converted for line in c.lines]
    originals = [orjson.loads(line) for line in lines_of("twarc2_stream.jsonl")]
    for got, original in zip(out, originals, strict=True):
        assert "__twarc" not in got
        assert got == {k: v for k, v in original.items() if k != "__twarc"}
    tweets = stored([line for c in converted for line in c.lines])
    assert set(tweets) == {"1790000000000000001", "1790000000000000002"}


def test_a_twarc2_page_becomes_one_line_per_tweet_with_its_own_includes() -> None:
    page, empty = (convert(line) for line in lines_of("twarc2_search.jsonl"))
    assert (page.kind, len(page.lines), empty.lines) == ("twarc2 page", 2, ())
    first, second = (orjson.loads(line) for line in page.lines)
    assert first["data"]["id"] == "1790000000000000101"
    assert [u["id"] for u in first["includes"]["users"]] == ["101", "102"]
    assert [t["id"] for t in first["includes"]["tweets"]] == ["1790000000000000100"]
    assert [m["media_key"] for m in first["includes"]["media"]] == ["3_1790000000000000901"]
    assert "places" not in first["includes"]
    assert [u["id"] for u in second["includes"]["users"]] == ["103"]
    assert [p["id"] for p in second["includes"]["places"]] == ["01a9a39529b27f36"]
    tweets = stored(list(page.lines))
    assert tweets["1790000000000000101"].author == {"id": "101", "name": "Bob", "username": "bob"}


def test_v1_1_tweets_map_to_the_v2_shape_and_keep_the_original() -> None:
    converted = [convert(line) for line in lines_of("v1_1.jsonl")]
    assert {c.kind for c in converted} == {"v1.1 tweet"}
    plain, retweet, extended = (orjson.loads(c.lines[0]) for c in converted)
    assert plain["data"] == {
        "id": "1790000000000000201",
        "text": "Streaming #python tweets into a database https://t.co/abc",
        "created_at": "2024-05-14T10:00:00.000Z",
        "author_id": "201",
        "lang": "en",
        "entities": {
            "hashtags": [{"start": 10, "end": 17, "tag": "python"}],
            "urls": [
                {
                    "start": 41,
                    "end": 57,
                    "url": "https://t.co/abc",
                    "expanded_url": "https://example.org/post",
                    "display_url": "example.org/post",
                }
            ],
        },
        "public_metrics": {"retweet_count": 3, "like_count": 7},
    }
    assert plain["includes"] == {"users": [{"id": "201", "name": "Dana", "username": "dana"}]}
    assert plain[V1_KEY] == orjson.loads(lines_of("v1_1.jsonl")[0])
    assert retweet["data"]["referenced_tweets"] == [
        {"type": "retweeted", "id": "1790000000000000201"}
    ]
    assert [t["id"] for t in retweet["includes"]["tweets"]] == ["1790000000000000201"]
    assert {u["username"] for u in retweet["includes"]["users"]} == {"eve", "dana"}
    assert extended["data"]["text"].endswith("which the v2 shape calls text: #python")
    assert extended["data"]["referenced_tweets"] == [
        {"type": "replied_to", "id": "1790000000000000201"},
        {"type": "quoted", "id": "1790000000000000150"},
    ]
    assert extended["data"]["in_reply_to_user_id"] == "201"
    tweets = stored([c.lines[0] for c in converted])
    assert set(tweets) == {"1790000000000000201", "1790000000000000202", "1790000000000000203"}
    assert tweets["1790000000000000202"].referenced("retweeted") == "1790000000000000201"
    assert tweets["1790000000000000203"].author == {"id": "203", "name": "Finn", "username": "finn"}


def test_term_ids_are_added_to_the_matching_rules_once() -> None:
    line = lines_of("twarc2_stream.jsonl")[0]
    out = orjson.loads(convert(line, ["t" + "a" * 20, "python"]).lines[0])
    assert [r["tag"] for r in out["matching_rules"]] == ["python", "t" + "a" * 20]
    page = convert(lines_of("twarc2_search.jsonl")[0], ["t" + "b" * 20])
    for converted in page.lines:
        assert orjson.loads(converted)["matching_rules"] == [
            {"id": "import", "tag": "t" + "b" * 20}
        ]


@pytest.mark.parametrize(
    ("number", "why"),
    [
        (2, "invalid JSON"),
        (3, "expected a JSON object"),
        (4, "a stream error object"),
        (7, "not a v2 stream line"),
        (8, "'data' has no tweet id"),
    ],
)
def test_every_other_line_is_bad_with_a_reason(number: int, why: str) -> None:
    raw = (DATA / "mixed.jsonl").read_bytes().splitlines()[number - 1]
    with pytest.raises(BadLine, match=why):
        convert(raw)


def test_the_good_lines_of_a_mixed_file() -> None:
    raw = (DATA / "mixed.jsonl").read_bytes().splitlines()
    assert convert(raw[0]).kind == "v2 stream line"
    bare = convert(raw[5])
    assert bare.kind == "v2 tweet"
    assert orjson.loads(bare.lines[0]) == {
        "data": {"id": "1790000000000000302", "text": "a bare v2 tweet"}
    }
