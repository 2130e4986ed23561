"""Tweet text with its entities, built piece by piece so offsets are exact.

Entity ``start``/``end`` are code-point offsets into the text (what Python
indexing gives): a 4-byte emoji counts once, a combining mark counts on its own.
Consumers that slice by UTF-16 units or bytes will be caught out, on purpose.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from tools.fakex import corpus
from tools.fakex.model import JsonObject
from tools.fakex.people import People
from tools.fakex.rulelang import normalize
from tools.fakex.witness import Plan

#: X shows at most this much ``text``; longer posts carry ``note_tweet``.
TEXT_LIMIT: Final = 280
_TCO: Final = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def tco(rng: random.Random) -> str:
    """A t.co short link."""
    return "https://t.co/" + "".join(rng.choice(_TCO) for _ in range(10))


@dataclass(slots=True)
class TextBuilder:
    """Appends space-separated pieces and records entities at their offsets."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    hashtags: list[JsonObject] = field(default_factory=list)
    mentions: list[JsonObject] = field(default_factory=list)
    urls: list[JsonObject] = field(default_factory=list)

    def add(self, piece: str) -> int:
        """Append ``piece``; return its start offset."""
        if self.parts:
            self.parts.append(" ")
            self.length += 1
        start = self.length
        self.parts.append(piece)
        self.length += len(piece)
        return start

    def hashtag(self, tag: str) -> None:
        start = self.add("#" + tag)
        self.hashtags.append({"start": start, "end": self.length, "tag": tag})

    def mention(self, user: JsonObject) -> None:
        start = self.add("@" + user["username"])
        self.mentions.append(
            {"start": start, "end": self.length, "username": user["username"], "id": user["id"]}
        )

    def url(self, short: str, expanded: str, **extra: str) -> None:
        start = self.add(short)
        display = expanded.split("://", 1)[-1]
        display = display if len(display) <= 26 else display[:25] + "…"
        self.urls.append(
            {
                "start": start,
                "end": self.length,
                "url": short,
                "expanded_url": expanded,
                "display_url": display,
                **extra,
            }
        )

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def entities(self, limit: int | None = None) -> JsonObject:
        """Entities (only kinds present), keeping those that end within ``limit``."""
        found: JsonObject = {}
        for name, items in (("hashtags", self.hashtags), ("mentions", self.mentions)):
            kept = [item for item in items if limit is None or item["end"] <= limit]
            if kept:
                found[name] = kept
        kept_urls = [item for item in self.urls if limit is None or item["end"] <= limit]
        if kept_urls:
            found["urls"] = kept_urls
        return found


def pick_lang(rng: random.Random, avoid: set[str]) -> str:
    """A tweet language, weighted like the sample stream."""
    choices = [(lang, weight) for lang, weight in corpus.LANG_WEIGHTS if lang not in avoid]
    if not choices:
        return "und"
    langs, weights = zip(*choices, strict=True)
    return str(rng.choices(langs, weights)[0])


def compose(
    rng: random.Random, plan: Plan, lang: str, people: People, builder: TextBuilder
) -> None:
    """Write filler words in ``lang`` around everything ``plan`` requires."""
    avoid = plan.avoid_terms
    words = [w for w in corpus.WORDS.get(lang, corpus.WORDS["en"]) if normalize(w) not in avoid]
    words = words or ["…"]
    size = rng.random()
    count = rng.randint(3, 14) if size < 0.7 else rng.randint(15, 35) if size < 0.95 else 60
    pieces: list[tuple[str, str]] = [("word", rng.choice(words)) for _ in range(count)]

    def insert(kind: str, value: str) -> None:
        pieces.insert(rng.randint(0, len(pieces)), (kind, value))

    for word in plan.words:
        insert("word", _case_variant(rng, word))
    for phrase in plan.phrases:
        insert("word", phrase)
    for tag in plan.hashtags:
        insert("hashtag", tag)
    for name in plan.mentions:
        insert("mention", name)
    wants = plan.require
    if wants.get("hashtags") is not False and (
        rng.random() < 0.2 or (wants.get("hashtags") and not plan.hashtags)
    ):
        tags = [t for t in corpus.HASHTAGS if normalize(t) not in avoid] or ["news"]
        insert("hashtag", rng.choice(tags))
    if wants.get("mentions") is not False and (
        rng.random() < 0.15 or (wants.get("mentions") and not plan.mentions)
    ):
        insert("mention", people.pick(rng, avoid)["username"])
    _colour(rng, lang, avoid, insert)
    for kind, value in pieces:
        if kind == "hashtag":
            builder.hashtag(value)
        elif kind == "mention":
            builder.mention(people.named(value))
        else:
            builder.add(value)


def _colour(
    rng: random.Random, lang: str, avoid: set[str], insert: Callable[[str, str], None]
) -> None:
    """Unicode that breaks careless code: emoji, combining marks, right-to-left text."""
    if rng.random() < 0.35:
        insert("word", rng.choice(corpus.EMOJI))
    if rng.random() < 0.15:
        word = rng.choice(corpus.COMBINING)
        if normalize(word) not in avoid:
            insert("word", word)
    if lang not in corpus.RTL_LANGS and rng.random() < 0.1:
        insert("word", rng.choice(corpus.RTL_SNIPPETS))


def _case_variant(rng: random.Random, word: str) -> str:
    """Rules match case-insensitively; vary case so consumers cannot rely on it."""
    roll = rng.random()
    if roll < 0.15:
        return word.upper()
    if roll < 0.3:
        return word.capitalize()
    return word


def truncate(text: str, limit: int) -> str:
    """X's cut of a long text: ``limit`` code points at most, ending with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
