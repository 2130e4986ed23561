"""The rule parser: structure, precedence and X's validity rules."""

from __future__ import annotations

import pytest

from tools.fakex.rulelang import And, Not, Or, RuleSyntaxError, Term, parse_rule


def kw(value: str) -> Term:
    return Term("keyword", value, value)


def test_space_is_and_and_binds_tighter_than_or() -> None:
    # X: "apple OR iphone ipad" means "apple OR (iphone ipad)".
    assert parse_rule("apple OR iphone ipad") == Or((kw("apple"), And((kw("iphone"), kw("ipad")))))


def test_parentheses_group() -> None:
    assert parse_rule("(apple OR iphone) ipad") == And(
        (Or((kw("apple"), kw("iphone"))), kw("ipad"))
    )


def test_operators_and_negation() -> None:
    node = parse_rule('"Hello World" #Python @XDevelopers from:NASA lang:en -is:retweet has:links')
    assert node == And(
        (
            Term("phrase", "hello world", "Hello World"),
            Term("hashtag", "python", "#Python"),
            Term("mention", "xdevelopers", "@XDevelopers"),
            Term("from", "nasa", "NASA"),
            Term("lang", "en", "en"),
            Not(Term("is", "retweet", "retweet")),
            Term("has", "links", "links"),
        )
    )


def test_negated_group_and_hyphenated_keyword() -> None:
    node = parse_rule("covid-19 -(vaccine OR mask)")
    assert node == And((kw("covid-19"), Not(Or((kw("vaccine"), kw("mask"))))))


def test_keywords_are_normalised_for_matching_but_keep_their_spelling() -> None:
    term = parse_rule("Cafe\u0301")
    assert term == Term("keyword", "café", "Cafe\u0301")


@pytest.mark.parametrize(
    ("rule", "detail"),
    [
        ("-cat", "Rules must contain a non-negation term (at position 1)"),
        ("-cat -dog", "Rules must contain a non-negation term (at position 1)"),
        ("-(cat OR dog)", "Rules must contain a non-negation term (at position 1)"),
        ("(cat OR dog", "Unbalanced parentheses: '(' is never closed (at position 1)"),
        ("cat OR dog)", "Unbalanced parentheses: unexpected ')' (at position 11)"),
        ("((cat)", "Unbalanced parentheses: '(' is never closed (at position 1)"),
        ("foo:bar cat", "Reference to invalid operator 'foo:bar'"),
        ("is:verified cat", "Reference to invalid operator 'is:verified'"),
        ("has:geo cat", "Reference to invalid operator 'has:geo'"),
        ("lang:en", "Rules must contain at least one standalone operator"),
        ("lang:en has:links -is:retweet", "Rules must contain at least one standalone operator"),
        ("cat OR lang:en", "Rules must contain at least one standalone operator"),
        ("", "Rules must not be empty"),
        ("   ", "Rules must not be empty"),
        ("OR cat", "Expected a clause but found 'OR' (at position 1)"),
        ("cat OR", "Expected a clause but found the end of the rule (at position 7)"),
        ("cat OR OR dog", "Expected a clause but found 'OR' (at position 8)"),
        ("()", "Expected a clause but found ')' (at position 2)"),
        ('"unterminated', "Unterminated quoted phrase (at position 1)"),
        ('cat ""', "Empty quoted phrase (at position 5)"),
        ("cat - dog", "Invalid use of '-' (at position 5)"),
        ("--cat", "Invalid use of '-' (at position 1)"),
        ("cat AND dog", "Ambiguous use of AND as a keyword"),
        ("from:no-dash cat", "Invalid value for from: 'no-dash'"),
        ("lang:english cat", "Invalid language code 'english'"),
    ],
)
def test_invalid_rules(rule: str, detail: str) -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule(rule)
    assert any(line.startswith(detail) for line in caught.value.details), caught.value.details


def test_only_negations_gives_both_of_xs_details() -> None:
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule("-b")
    assert caught.value.details == [
        "Rules must contain a non-negation term (at position 1)",
        "Rules must contain at least one positive, non-stopword clause (at position 1)",
    ]
