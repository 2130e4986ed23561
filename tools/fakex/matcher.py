"""Rule matching: which rules a tweet satisfies.

A tweet is reduced once to :class:`Features` (tokens, hashtags, mentions,
author, flags); each rule is compiled once to a predicate over them. With up to
1,000 rules, :class:`RuleIndex` only evaluates rules that share an "anchor"
(a token, hashtag, mention or author every match of the rule needs) with the
tweet, so matching cost follows the tweet, not the rule count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tools.fakex.model import Bundle
from tools.fakex.rulelang import And, Node, Not, Term, normalize

#: Words, plus emoji and symbols as single tokens (X lets emoji be keywords).
_TOKEN = re.compile(r"\w+|[\u2600-\u27bf\U0001f000-\U0001faff]")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
_MENTION = re.compile(r"(?<!\w)@(\w{1,15})")


def tokenize(text: str) -> list[str]:
    """Normalised tokens: X matches keywords on token boundaries, ignoring case."""
    return _TOKEN.findall(normalize(text))


@dataclass(frozen=True, slots=True)
class Features:
    """What rules can see of one tweet."""

    text: str  # normalised full text
    tokens: frozenset[str]
    joined: str  # " tok1 tok2 … " for phrase search on token boundaries
    hashtags: frozenset[str]
    mentions: frozenset[str]
    author: str  # casefolded username, "" when unknown
    author_id: str
    reply_to: str  # casefolded username replied to, "" when not a reply
    lang: str
    is_retweet: bool = False
    is_reply: bool = False
    is_quote: bool = False
    has_links: bool = False
    has_media: bool = False

    def anchors(self) -> set[str]:
        keys = {"w:" + token for token in self.tokens}
        keys.update("h:" + tag for tag in self.hashtags)
        keys.update("m:" + name for name in self.mentions)
        keys.update(("f:" + self.author, "f:" + self.author_id, "t:" + self.reply_to))
        return keys


def features_of(bundle: Bundle) -> Features:
    """Reduce a tweet to :class:`Features`.

    A retweet matches on the retweeted text (the retweet's own ``text`` is cut to
    140 characters); long tweets match on their ``note_tweet`` text.
    """
    tweet = bundle.tweet
    refs = {ref.get("type"): ref.get("id") for ref in tweet.get("referenced_tweets", ())}
    text = _full_text(tweet)
    hashtags, mentions = _entity_names(tweet)
    retweeted = bundle.tweets.get(str(refs.get("retweeted")))
    if retweeted is not None:
        head = text.split(":", 1)[0]  # "RT @user"
        text = f"{head}: {_full_text(retweeted)}"
        more_tags, more_names = _entity_names(retweeted)
        hashtags |= more_tags
        mentions |= more_names
    author_id = str(tweet.get("author_id", ""))
    author = bundle.users.get(author_id, {}).get("username", "")
    reply_user = bundle.users.get(str(tweet.get("in_reply_to_user_id", "")), {})
    tokens = tokenize(text)
    urls = tweet.get("entities", {}).get("urls", ())
    return Features(
        text=normalize(text),
        tokens=frozenset(tokens),
        joined=" " + " ".join(tokens) + " ",
        hashtags=frozenset(normalize(tag) for tag in hashtags),
        mentions=frozenset(name.casefold() for name in mentions),
        author=author.casefold(),
        author_id=author_id,
        reply_to=str(reply_user.get("username", "")).casefold(),
        lang=str(tweet.get("lang", "")),
        is_retweet="retweeted" in refs,
        is_reply="replied_to" in refs,
        is_quote="quoted" in refs,
        has_links=bool(urls) or "http://" in text or "https://" in text,
        has_media=bool(tweet.get("attachments", {}).get("media_keys")),
    )


def _full_text(tweet: dict[str, Any]) -> str:
    note = tweet.get("note_tweet")
    return str(note["text"]) if isinstance(note, dict) and "text" in note else str(tweet["text"])


def _entity_names(tweet: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Hashtags and mentions from entities, or from the text when entities are absent."""
    entities = tweet.get("entities")
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and "entities" in note:
        entities = note["entities"]
    if isinstance(entities, dict):
        tags = {str(tag["tag"]) for tag in entities.get("hashtags", ())}
        names = {str(mention["username"]) for mention in entities.get("mentions", ())}
        return tags, names
    text = _full_text(tweet)
    return set(_HASHTAG.findall(text)), set(_MENTION.findall(text))


Predicate = Callable[[Features], bool]


def compile_rule(node: Node) -> Predicate:
    """A predicate that is true when the tweet satisfies ``node``."""
    if isinstance(node, Term):
        return _compile_term(node)
    if isinstance(node, Not):
        inner = compile_rule(node.child)
        return lambda f: not inner(f)
    parts = tuple(compile_rule(child) for child in node.children)
    if isinstance(node, And):
        return lambda f: all(part(f) for part in parts)
    return lambda f: any(part(f) for part in parts)


def _compile_term(term: Term) -> Predicate:  # noqa: PLR0911 - one return per operator
    value = term.value
    if term.kind in ("keyword", "phrase"):
        tokens = tokenize(value)
        if len(tokens) == 1:
            token = tokens[0]
            return lambda f: token in f.tokens
        if not tokens:  # punctuation only: fall back to a substring
            return lambda f: value in f.text
        needle = " " + " ".join(tokens) + " "
        return lambda f: needle in f.joined
    if term.kind == "hashtag":
        return lambda f: value in f.hashtags
    if term.kind == "mention":
        return lambda f: value in f.mentions
    if term.kind == "from":
        return lambda f: value in (f.author, f.author_id)
    if term.kind == "to":
        return lambda f: value == f.reply_to
    if term.kind == "lang":
        return lambda f: f.lang == value
    return _FLAGS[(term.kind, value)]


_FLAGS: dict[tuple[str, str], Predicate] = {
    ("is", "retweet"): lambda f: f.is_retweet,
    ("is", "reply"): lambda f: f.is_reply,
    ("is", "quote"): lambda f: f.is_quote,
    ("has", "links"): lambda f: f.has_links,
    ("has", "media"): lambda f: f.has_media,
    ("has", "mentions"): lambda f: bool(f.mentions),
    ("has", "hashtags"): lambda f: bool(f.hashtags),
}


def anchors(node: Node) -> frozenset[str] | None:
    """Keys of which every match of ``node`` has at least one; None when unknowable."""
    if isinstance(node, Term):
        if node.kind in ("keyword", "phrase"):
            tokens = tokenize(node.value)
            return frozenset({"w:" + tokens[0]}) if tokens else None
        prefix = {"hashtag": "h:", "mention": "m:", "from": "f:", "to": "t:"}.get(node.kind)
        return frozenset({prefix + node.value}) if prefix else None
    if isinstance(node, Not):
        return None
    found = [anchors(child) for child in node.children]
    if isinstance(node, And):
        known = [keys for keys in found if keys is not None]
        return min(known, key=len) if known else None
    if any(keys is None for keys in found):
        return None
    return frozenset().union(*(keys for keys in found if keys is not None))


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A stored rule ready to match."""

    id: str
    value: str
    tag: str | None
    node: Node
    predicate: Predicate


class RuleIndex:
    """Matches a tweet against many rules, evaluating only plausible ones."""

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self.rules = tuple(rules)
        self._by_anchor: dict[str, list[int]] = {}
        self._always: list[int] = []
        for position, rule in enumerate(self.rules):
            keys = anchors(rule.node)
            if keys is None:
                self._always.append(position)
            else:
                for key in keys:
                    self._by_anchor.setdefault(key, []).append(position)

    def match(self, features: Features) -> list[CompiledRule]:
        """The rules ``features`` satisfies, in rule order."""
        candidates = set(self._always)
        for key in features.anchors():
            candidates.update(self._by_anchor.get(key, ()))
        return [
            self.rules[position]
            for position in sorted(candidates)
            if self.rules[position].predicate(features)
        ]


def brute_force(rules: Iterable[CompiledRule], features: Features) -> list[CompiledRule]:
    """Reference matcher without the index (tests compare the two)."""
    return [rule for rule in rules if rule.predicate(features)]
