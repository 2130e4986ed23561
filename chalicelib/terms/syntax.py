"""The project's own check of an X filtered-stream rule, used when X cannot be asked.

Without a key set there is no dry run, yet an operator should still hear about
a typo at once rather than find the term ``rejected`` minutes later. This is a
conservative subset of X's grammar: it refuses what X certainly refuses
(unbalanced quotes or brackets, a dangling ``OR`` or ``-``, unknown operators,
rules with no positive standalone clause) and leaves finer points to X, whose
verdict the streamer records on the term as ``rejected`` with X's message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from chalicelib.terms.errors import InvalidRule
from chalicelib.terms.normalize import MAX_RULE_LENGTH

#: Operators that can match on their own.
STANDALONE_OPERATORS: Final = frozenset(
    {
        "from", "to", "url", "retweets_of", "context", "entity", "conversation_id",
        "bio", "bio_name", "bio_location", "place", "place_country", "point_radius",
        "bounding_box", "in_reply_to_tweet_id", "retweets_of_tweet_id", "quotes_of_tweet_id",
        "followers_count", "tweets_count", "following_count", "listed_count", "url_title",
        "url_description", "url_contains", "source", "list",
    }
)  # fmt: skip
#: Operators that X accepts only next to a standalone clause.
CONJUNCTION_OPERATORS: Final = frozenset({"is", "has", "lang", "sample"})
_OPERATOR = re.compile(r"^(-?)([a-z_]+):(.+)$", re.DOTALL)
_IS_VALUES: Final = frozenset({"retweet", "reply", "quote", "verified", "nullcast"})
_HAS_VALUES: Final = frozenset(
    {"hashtags", "cashtags", "links", "mentions", "media", "images", "videos", "geo"}
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # word | phrase | ( | ) | -
    text: str
    position: int


def check_rule(value: str) -> None:
    """Raise :class:`InvalidRule` with a one-line reason if X would refuse ``value``."""
    if not value.strip():
        raise InvalidRule("a rule must not be empty")
    if len(value) > MAX_RULE_LENGTH:
        raise InvalidRule(f"a rule may be at most {MAX_RULE_LENGTH} characters (got {len(value)})")
    control = next((i for i, c in enumerate(value) if _is_control(c)), None)
    if control is not None:
        raise InvalidRule(f"a rule must not contain control characters (position {control})")
    tokens = _tokenize(value)
    parser = _Parser(tokens)
    positive, standalone = parser.expression()
    if parser.pos < len(tokens):
        token = tokens[parser.pos]
        raise InvalidRule(f"unbalanced parentheses: unexpected ')' at position {token.position}")
    if not positive:
        raise InvalidRule("a rule must contain at least one positive (non-negated) clause")
    if not standalone:
        raise InvalidRule(
            "a rule needs a standalone clause (keyword, phrase, #hashtag, @mention, from:…); "
            "is:, has:, lang: and sample: cannot match alone"
        )


def _is_control(char: str) -> bool:
    """A control character (NUL, escape ...); whitespace is only a separator."""
    return unicodedata.category(char) == "Cc" and not char.isspace()


def _tokenize(value: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(value)
    while i < n:
        char = value[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token(char, char, i + 1))
            i += 1
        elif char == "-" and (i + 1 >= n or value[i + 1].isspace()):
            raise InvalidRule(f"'-' must be followed by a clause (position {i + 1})")
        elif char == "-" and value[i + 1] in '("':
            tokens.append(_Token("-", char, i + 1))
            i += 1
        elif char == '"':
            end = value.find('"', i + 1)
            if end < 0:
                raise InvalidRule(f"unterminated quoted phrase at position {i + 1}")
            if not value[i + 1 : end].strip():
                raise InvalidRule(f"empty quoted phrase at position {i + 1}")
            tokens.append(_Token("phrase", value[i : end + 1], i + 1))
            i = end + 1
        else:
            start = i
            i = _word_end(value, i)
            tokens.append(_Token("word", value[start:i], start + 1))
    return tokens


def _word_end(value: str, i: int) -> int:
    """End of a word; brackets (``point_radius:[…]``) and quotes stay inside it."""
    n = len(value)
    while i < n and not value[i].isspace() and value[i] not in "()":
        if value[i] == "[":
            close = value.find("]", i)
            if close < 0:
                raise InvalidRule(f"unbalanced '[' at position {i + 1}")
            i = close + 1
        elif value[i] == '"':
            close = value.find('"', i + 1)
            if close < 0:
                raise InvalidRule(f"unterminated quoted phrase at position {i + 1}")
            i = close + 1
        else:
            i += 1
    return i


class _Parser:
    """Recursive descent; each rule returns (has a positive clause, is standalone)."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def _peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def expression(self) -> tuple[bool, bool]:
        branches = [self._conjunction()]
        while (token := self._peek()) is not None and _is_or(token):
            self.pos += 1
            branches.append(self._conjunction())
        return any(p for p, _ in branches), all(s for _, s in branches)

    def _conjunction(self) -> tuple[bool, bool]:
        parts: list[tuple[bool, bool]] = []
        while (token := self._peek()) is not None and token.kind != ")" and not _is_or(token):
            parts.append(self._unary())
        if not parts:
            token = self._peek()
            where = f"at position {token.position}" if token else "at the end"
            raise InvalidRule(f"expected a clause {where}")
        return any(p for p, _ in parts), any(s for _, s in parts)

    def _unary(self) -> tuple[bool, bool]:
        token = self.tokens[self.pos]
        if token.kind == "-":
            self.pos += 1
            self._primary()
            return False, False
        return self._primary()

    def _primary(self) -> tuple[bool, bool]:
        token = self._peek()
        if token is None:
            raise InvalidRule("expected a clause at the end")
        self.pos += 1
        if token.kind == "(":
            result = self.expression()
            closing = self._peek()
            if closing is None or closing.kind != ")":
                raise InvalidRule(f"unbalanced parentheses: '(' at position {token.position}")
            self.pos += 1
            return result
        if token.kind == "phrase":
            return True, True
        if token.kind == "word":
            return _word(token)
        raise InvalidRule(f"unexpected '{token.text}' at position {token.position}")


def _word(token: _Token) -> tuple[bool, bool]:
    text = token.text
    if text == "AND":
        raise InvalidRule(
            f"ambiguous AND at position {token.position}: clauses separated by a space are "
            'already joined; quote it ("AND") to match the word'
        )
    negated = text.startswith("-")
    match = _OPERATOR.match(text)
    if match is None or text.startswith(("http:", "https:")):
        return not negated, not negated
    name, operand = match.group(2), match.group(3)
    if name in STANDALONE_OPERATORS:
        return not negated, not negated
    if name in CONJUNCTION_OPERATORS:
        _check_operand(name, operand, token.position)
        return not negated, False
    raise InvalidRule(f"unknown operator '{name}:' at position {token.position}")


def _check_operand(name: str, operand: str, position: int) -> None:
    if name == "is" and operand not in _IS_VALUES:
        raise InvalidRule(f"unknown value is:{operand} at position {position}")
    if name == "has" and operand not in _HAS_VALUES:
        raise InvalidRule(f"unknown value has:{operand} at position {position}")


def _is_or(token: _Token) -> bool:
    return token.kind == "word" and token.text == "OR"
