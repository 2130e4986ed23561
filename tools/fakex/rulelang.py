"""Parser for the subset of X's filtered-stream rule language the fake understands.

Grammar (X's documented precedence: juxtaposition, i.e. AND, binds tighter than
``OR``; ``apple OR iphone ipad`` means ``apple OR (iphone ipad)``)::

    rule     := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := unary unary*
    unary    := "-" primary | primary
    primary  := keyword | "quoted phrase" | #hashtag | @mention | operator | "(" or_expr ")"

Operators: ``from:`` ``to:`` ``lang:`` ``is:retweet|reply|quote`` and
``has:links|media|mentions|hashtags``. As on X, ``lang:``, ``is:`` and ``has:``
need a standalone clause beside them, and a rule of negations only is invalid.
Error texts follow the ones X returns in ``errors[].details`` where we know them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

TermKind = Literal[
    "keyword", "phrase", "hashtag", "mention", "from", "to", "lang", "is", "has"
]  # fmt: skip

#: Operators that may stand alone in a rule.
STANDALONE: Final = frozenset({"keyword", "phrase", "hashtag", "mention", "from", "to"})
IS_VALUES: Final = frozenset({"retweet", "reply", "quote"})
HAS_VALUES: Final = frozenset({"links", "media", "mentions", "hashtags"})
_OPERATOR = re.compile(r"^([A-Za-z_]+):(.*)$", re.DOTALL)
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_LANG = re.compile(r"^[a-z]{2,3}$|^und$|^zh-(?:cn|tw)$")


def normalize(text: str) -> str:
    """Matching is case-insensitive and blind to Unicode composition."""
    return unicodedata.normalize("NFC", text).casefold()


@dataclass(frozen=True, slots=True)
class Term:
    """One clause: ``value`` is normalised for matching, ``raw`` as written."""

    kind: TermKind
    value: str
    raw: str


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Not | And | Or


class RuleSyntaxError(ValueError):
    """The rule is invalid; ``details`` are the lines X puts in ``errors[].details``."""

    def __init__(self, details: list[str]) -> None:
        super().__init__("; ".join(details))
        self.details = details


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["word", "phrase", "lparen", "rparen", "neg"]
    text: str
    position: int  # 1-based, as X reports positions


def _tokenize(rule: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(rule)
    while i < n:
        char = rule[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token("lparen" if char == "(" else "rparen", char, i + 1))
            i += 1
        elif char == "-":
            if i + 1 >= n or rule[i + 1].isspace() or rule[i + 1] == "-":
                raise RuleSyntaxError([f"Invalid use of '-' (at position {i + 1})"])
            tokens.append(_Token("neg", char, i + 1))
            i += 1
        elif char == '"':
            end = rule.find('"', i + 1)
            if end < 0:
                raise RuleSyntaxError([f"Unterminated quoted phrase (at position {i + 1})"])
            if not rule[i + 1 : end].strip():
                raise RuleSyntaxError([f"Empty quoted phrase (at position {i + 1})"])
            tokens.append(_Token("phrase", rule[i + 1 : end], i + 1))
            i = end + 1
        else:
            start = i
            while i < n and not rule[i].isspace() and rule[i] not in '()"':
                i += 1
            tokens.append(_Token("word", rule[start:i], start + 1))
    return tokens


def _term(token: _Token) -> Term:
    text = token.text
    if token.kind == "phrase":
        return Term("phrase", normalize(text), text)
    if text == "AND":
        raise RuleSyntaxError(
            [
                "Ambiguous use of AND as a keyword. Use a space to logically join two clauses, "
                f'or "AND" to find occurrences of AND in text (at position {token.position})'
            ]
        )
    if text[0] == "#" and len(text) > 1:
        return Term("hashtag", normalize(text[1:]), text)
    if text[0] == "@" and len(text) > 1:
        if not _HANDLE.match(text[1:]):
            raise RuleSyntaxError([f"Invalid username '{text}' (at position {token.position})"])
        return Term("mention", text[1:].casefold(), text)
    match = _OPERATOR.match(text)
    if match is None:
        return Term("keyword", normalize(text), text)
    return _operator(match.group(1), match.group(2), token)


def _operator(name: str, value: str, token: _Token) -> Term:
    where = f"(at position {token.position})"
    if name in ("from", "to"):
        if not (_HANDLE.match(value) or value.isdigit()):
            raise RuleSyntaxError([f"Invalid value for {name}: '{value}' {where}"])
        return Term("from" if name == "from" else "to", value.casefold(), value)
    if name == "lang":
        if not _LANG.match(value):
            raise RuleSyntaxError([f"Invalid language code '{value}' for lang: {where}"])
        return Term("lang", value, value)
    if name == "is" and value in IS_VALUES:
        return Term("is", value, value)
    if name == "has" and value in HAS_VALUES:
        return Term("has", value, value)
    raise RuleSyntaxError(
        [
            f"Reference to invalid operator '{name}:{value}'. Operator is not available in "
            f"current product or product packaging. Please refer to complete available "
            f"operator list at https://developer.twitter.com/en/docs/twitter-api/tweets/"
            f"filtered-stream/integrate/build-a-rule. {where}"
        ]
    )


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Node:
        node = self.or_expr()
        extra = self.peek()
        if extra is not None:  # only a stray ")" can be left over
            raise RuleSyntaxError(
                [f"Unbalanced parentheses: unexpected ')' (at position {extra.position})"]
            )
        return node

    def or_expr(self) -> Node:
        branches = [self.and_expr()]
        while (token := self.peek()) is not None and _is_or(token):
            self.pos += 1
            branches.append(self.and_expr())
        return branches[0] if len(branches) == 1 else Or(tuple(branches))

    def and_expr(self) -> Node:
        parts: list[Node] = []
        while (token := self.peek()) is not None and token.kind != "rparen" and not _is_or(token):
            parts.append(self.unary())
        if not parts:
            token = self.peek()
            where = token.position if token is not None else _end(self.tokens)
            what = "the end of the rule" if token is None else f"'{token.text}'"
            raise RuleSyntaxError([f"Expected a clause but found {what} (at position {where})"])
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        token = self.tokens[self.pos]
        if token.kind == "neg":
            self.pos += 1
            return Not(self.primary())
        return self.primary()

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise RuleSyntaxError(
                [f"Expected a clause after '-' (at position {_end(self.tokens)})"]
            )
        self.pos += 1
        if token.kind == "lparen":
            node = self.or_expr()
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise RuleSyntaxError(
                    [f"Unbalanced parentheses: '(' is never closed (at position {token.position})"]
                )
            self.pos += 1
            return node
        if token.kind in ("word", "phrase"):
            return _term(token)
        raise RuleSyntaxError([f"Unexpected '{token.text}' (at position {token.position})"])


def _is_or(token: _Token) -> bool:
    return token.kind == "word" and token.text == "OR"


def _end(tokens: list[_Token]) -> int:
    return tokens[-1].position + len(tokens[-1].text) if tokens else 1


def _has_positive(node: Node) -> bool:
    """Some branch of the rule asks for something to be present."""
    if isinstance(node, Term):
        return True
    if isinstance(node, Not):
        return False
    return any(_has_positive(child) for child in node.children)


def _standalone(node: Node) -> bool:
    """Every way the rule can match includes a standalone clause."""
    if isinstance(node, Term):
        return node.kind in STANDALONE
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_standalone(child) for child in node.children)
    return all(_standalone(child) for child in node.children)


def parse_rule(rule: str) -> Node:
    """Parse and validate one rule value; raise :class:`RuleSyntaxError` if X would."""
    tokens = _tokenize(rule)
    if not tokens:
        raise RuleSyntaxError(["Rules must not be empty (at position 1)"])
    node = _Parser(tokens).parse()
    if not _has_positive(node):
        raise RuleSyntaxError(
            [
                "Rules must contain a non-negation term (at position 1)",
                "Rules must contain at least one positive, non-stopword clause (at position 1)",
            ]
        )
    if not _standalone(node):
        raise RuleSyntaxError(
            [
                "Rules must contain at least one standalone operator: lang:, is: and has: "
                "can only be used together with a keyword, phrase, #hashtag, @mention, from: "
                "or to: (at position 1)"
            ]
        )
    return node
