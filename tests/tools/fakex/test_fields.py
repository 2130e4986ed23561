"""Field selection and expansions, without a server."""

from __future__ import annotations

import pytest

from tools.fakex.fields import (
    STREAM_PARAMETERS,
    InvalidParameters,
    parse_selection,
    render,
)
from tools.fakex.model import Bundle

ORIGINAL = {
    "id": "100",
    "text": "the original #tag",
    "edit_history_tweet_ids": ["100"],
    "author_id": "2",
    "created_at": "2026-01-01T00:00:00.000Z",
    "attachments": {"media_keys": ["3_9"]},
    "lang": "en",
}
RETWEET = {
    "id": "200",
    "text": "RT @orig: the original #tag",
    "edit_history_tweet_ids": ["200"],
    "author_id": "1",
    "created_at": "2026-01-01T00:01:00.000Z",
    "referenced_tweets": [{"type": "retweeted", "id": "100"}],
    "entities": {"mentions": [{"start": 3, "end": 8, "username": "orig", "id": "2"}]},
    "lang": "en",
    "public_metrics": {"like_count": 0},
}
USERS = {
    "1": {"id": "1", "name": "One", "username": "one", "created_at": "2010-01-01T00:00:00.000Z"},
    "2": {"id": "2", "name": "Orig", "username": "orig", "location": "Lagos"},
}
MEDIA = {"3_9": {"media_key": "3_9", "type": "photo", "url": "https://pbs.twimg.com/x.jpg"}}
BUNDLE = Bundle(tweet=RETWEET, users=USERS, tweets={"100": ORIGINAL}, media=MEDIA)


def select(**params: str) -> dict[str, object]:
    return render(BUNDLE, parse_selection(params, STREAM_PARAMETERS))


def test_defaults_are_id_text_and_edit_history_only() -> None:
    assert select() == {
        "data": {
            "id": "200",
            "text": "RT @orig: the original #tag",
            "edit_history_tweet_ids": ["200"],
        }
    }


def test_asked_fields_are_added_and_missing_ones_left_out() -> None:
    data = select(**{"tweet.fields": "created_at,lang,geo,public_metrics"})["data"]
    assert data == {
        "id": "200",
        "text": "RT @orig: the original #tag",
        "edit_history_tweet_ids": ["200"],
        "created_at": "2026-01-01T00:01:00.000Z",
        "lang": "en",
        "public_metrics": {"like_count": 0},
    }  # no "geo": this tweet has none


def test_author_expansion_adds_the_user_with_default_user_fields() -> None:
    assert select(expansions="author_id") == {
        "data": {
            "id": "200",
            "text": "RT @orig: the original #tag",
            "edit_history_tweet_ids": ["200"],
            "author_id": "1",  # observed: the expanded field comes along
        },
        "includes": {"users": [{"id": "1", "name": "One", "username": "one"}]},
    }


def test_referenced_tweets_users_and_media_expand() -> None:
    payload = select(
        expansions="author_id,referenced_tweets.id,referenced_tweets.id.author_id,"
        "referenced_tweets.id.attachments.media_keys,entities.mentions.username",
        **{"tweet.fields": "author_id", "user.fields": "location", "media.fields": "url"},
    )
    includes = payload["includes"]
    assert includes == {
        "users": [
            {"id": "1", "name": "One", "username": "one"},
            {"id": "2", "name": "Orig", "username": "orig", "location": "Lagos"},
        ],
        "tweets": [
            {
                "id": "100",
                "text": "the original #tag",
                "edit_history_tweet_ids": ["100"],
                "author_id": "2",
            }
        ],
        "media": [{"media_key": "3_9", "type": "photo", "url": "https://pbs.twimg.com/x.jpg"}],
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"tweet.fields": "created_at,colour"},
            "The `tweet.fields` query parameter value [colour]",
        ),
        ({"user.fields": "mood"}, "The `user.fields` query parameter value [mood]"),
        ({"expansions": "author"}, "The `expansions` query parameter value [author]"),
        ({"max_results": "10"}, "The query parameter [max_results] is not one of"),
    ],
)
def test_unknown_names_are_invalid_parameters(params: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidParameters) as caught:
        parse_selection(params, STREAM_PARAMETERS)
    error = caught.value.errors[0]
    assert error["message"].startswith(message)
    assert list(error["parameters"]) == list(params)
