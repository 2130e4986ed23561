"""Rule matching over tweets, without a server."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tools.fakex.matcher import (
    CompiledRule,
    RuleIndex,
    brute_force,
    compile_rule,
    features_of,
)
from tools.fakex.model import Bundle
from tools.fakex.people import People
from tools.fakex.rulelang import parse_rule
from tools.fakex.tweets import TweetFactory
from tools.fakex.witness import plan_for

AUTHOR = {"id": "42", "username": "NASA", "name": "NASA"}
OTHER = {"id": "7", "username": "someone", "name": "Some One"}


def bundle(text: str, **fields: Any) -> Bundle:
    tweet = {"id": "1", "text": text, "author_id": "42", "lang": "en", **fields}
    return Bundle(tweet=tweet, users={"42": AUTHOR, "7": OTHER})


def matches(rule: str, tweet: Bundle) -> bool:
    return compile_rule(parse_rule(rule))(features_of(tweet))


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        ("cat", "I love my Cat.", True),
        ("cat", "category theory", False),  # token boundary, not substring
        ("cat dog", "dog and cat", True),
        ("cat dog", "just a cat", False),
        ("cat OR dog", "just a dog", True),
        ('"hello world"', "well, Hello, World!", True),  # punctuation between tokens
        ('"hello world"', "world hello", False),
        ("cat -dog", "cat and dog", False),
        ("cat -dog", "cat alone", True),
        ("(cat OR dog) -fish", "dog fish", False),
        ("café", "un cafe\u0301 noir", True),  # composed rule, decomposed text
        ("ÜBER", "über alles", True),
        ("🔥", "this is 🔥 today", True),
        ("covid-19", "covid 19 news", True),
        ("#python", "I like #Python a lot", True),
        ("#python", "I like python a lot", False),  # a word is not a hashtag
        ("python", "I like #python", True),  # but a hashtag's text is a word
        ("@someone", "hey @SomeOne!", True),
        ("@someone", "someone said", False),
        ("from:nasa launch", "launch today", True),
        ("from:42 launch", "launch today", True),  # from: takes a user id too
        ("from:esa launch", "launch today", False),
        ("launch lang:en", "launch today", True),
        ("launch lang:fr", "launch today", False),
        ("launch has:links", "launch https://t.co/abc", True),
        ("launch has:links", "launch now", False),
        ("launch has:mentions", "launch @someone", True),
        ("launch has:hashtags", "launch #space", True),
    ],
)
def test_rules_match_text(rule: str, text: str, expected: bool) -> None:
    assert matches(rule, bundle(text)) is expected


def test_retweets_match_on_the_original_text_and_flags() -> None:
    original = {"id": "5", "text": "a long story about rockets " * 8, "author_id": "7"}
    retweet = Bundle(
        tweet={
            "id": "9",
            "text": ("RT @someone: " + original["text"])[:139] + "…",
            "author_id": "42",
            "referenced_tweets": [{"type": "retweeted", "id": "5"}],
        },
        users={"42": AUTHOR, "7": OTHER},
        tweets={"5": original},
    )
    assert matches("rockets is:retweet", retweet)
    assert not matches("rockets -is:retweet", retweet)
    assert matches("@someone", retweet)  # the "RT @someone:" prefix is a mention


def test_note_tweets_match_on_the_full_text() -> None:
    tweet = bundle("short …", note_tweet={"text": "short " + "x " * 200 + "needle"})
    assert matches("needle", tweet)


def test_reply_and_quote_flags() -> None:
    reply = bundle(
        "@someone yes",
        in_reply_to_user_id="7",
        referenced_tweets=[{"type": "replied_to", "id": "3"}],
    )
    assert matches("yes is:reply", reply)
    assert matches("to:someone yes", reply)
    assert not matches("yes is:quote", reply)
    quote = bundle("look", referenced_tweets=[{"type": "quoted", "id": "3"}])
    assert matches("look is:quote", quote)


def compiled(rules: list[str]) -> list[CompiledRule]:
    return [
        CompiledRule(str(i), value, None, parse_rule(value), compile_rule(parse_rule(value)))
        for i, value in enumerate(rules)
    ]


def test_index_agrees_with_brute_force_on_generated_tweets() -> None:
    rules = compiled(
        [
            "the",
            "hoy OR today",
            "#news",
            "love -is:retweet",
            '"good morning" OR café',
            "from:NASA lang:en",
            "(music OR game) has:links",
            "@XDevelopers OR -is:reply news",
            "今日 OR اليوم",
            "rain -(sunny OR coffee)",
        ]
    )
    index = RuleIndex(rules)
    factory = TweetFactory(People(seed=3), epoch_ms=1_700_000_000_000)
    rng = random.Random(11)
    matched = 0
    for _ in range(300):
        target = rng.choice(rules)
        features = features_of(factory.build(rng, plan_for(target.node, rng)))
        expected = brute_force(rules, features)
        assert index.match(features) == expected
        matched += bool(expected)
    assert matched > 250  # the generator aims at the rules
