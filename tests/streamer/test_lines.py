"""Routing of raw lines, and the --to-file retweet treatment."""

from __future__ import annotations

import orjson
import pytest

from streamer import lines, retweets

RETWEET = {
    "data": {
        "id": "200",
        "text": "RT @orig: hello",
        "author_id": "u2",
        "referenced_tweets": [{"type": "retweeted", "id": "100"}],
    },
    "includes": {
        "tweets": [
            {"id": "100", "text": "hello", "author_id": "u1"},
            {"id": "150", "text": "quoted", "author_id": "u3"},
        ],
        "users": [{"id": "u1", "username": "orig"}, {"id": "u2", "username": "rt"}],
    },
    "matching_rules": [{"id": "9", "tag": "t1"}],
}


def test_tweet_line_gives_id_and_tags() -> None:
    routed = lines.route(orjson.dumps(RETWEET))
    assert routed.is_tweet
    assert routed.tweet_id == "200"
    assert routed.tags == ("t1",)


def test_error_line_is_not_a_tweet() -> None:
    line = orjson.dumps(
        {
            "errors": [
                {
                    "title": "operational-disconnect",
                    "disconnect_type": "UpstreamOperationalDisconnect",
                }
            ]
        }
    )
    routed = lines.route(line)
    assert not routed.is_tweet
    assert routed.error == "operational-disconnect"
    assert routed.disconnect_type == "UpstreamOperationalDisconnect"


@pytest.mark.parametrize("line", [b"{not json", b"[1,2]", b'"text"'])
def test_bad_lines_raise_bad_line(line: bytes) -> None:
    with pytest.raises(lines.BadLine):
        lines.route(line)


def test_normalise_wraps_bare_tweets_and_keeps_stream_lines() -> None:
    stream_line = orjson.dumps(RETWEET)
    assert lines.normalise(stream_line) is stream_line
    assert orjson.loads(lines.normalise(b'{"id":"5","text":"hi"}')) == {
        "data": {"id": "5", "text": "hi"}
    }
    with pytest.raises(lines.BadLine, match="neither"):
        lines.normalise(b'{"text":"no id"}')


def test_capture_retweets_on_writes_original_first() -> None:
    line = orjson.dumps(RETWEET)
    out = [orjson.loads(x) for x in retweets.split_retweet(line, RETWEET, capture=True)]
    assert out[0] == {
        "data": {"id": "100", "text": "hello", "author_id": "u1"},
        "includes": {"users": [{"id": "u1", "username": "orig"}]},
    }
    assert out[1]["data"] == RETWEET["data"]
    assert [t["id"] for t in out[1]["includes"]["tweets"]] == ["150"]


def test_capture_retweets_off_drops_the_embedded_copy() -> None:
    line = orjson.dumps(RETWEET)
    (only,) = retweets.split_retweet(line, RETWEET, capture=False)
    obj = orjson.loads(only)
    assert [t["id"] for t in obj["includes"]["tweets"]] == ["150"]
    assert obj["matching_rules"] == RETWEET["matching_rules"]


def test_plain_tweet_passes_unchanged() -> None:
    plain = {"data": {"id": "1", "text": "x"}, "includes": {"users": []}}
    line = orjson.dumps(plain)
    assert retweets.split_retweet(line, plain, capture=True) == [line]
