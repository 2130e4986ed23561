"""What is in each timeline slot: a generated tweet, or the next line of a replay file.

An :class:`Entry` is one deliverable tweet with its ``matching_rules``; it
caches its serialised line per :class:`~tools.fakex.fields.Selection`, so
a busy stream mostly does a dict lookup and two ``bytes.replace`` per tweet.

Generated tweets come from a pool per rule version (``pool_size`` entries,
slot ``k`` uses entry ``k % pool_size``), each entry built lazily from a random
source seeded by (seed, rule values, entry number): the same seed and rules give
the same tweets, and backfill can rebuild an evicted pool exactly.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import orjson

from tools.fakex.fields import Selection, render
from tools.fakex.matcher import CompiledRule, Features, features_of
from tools.fakex.model import AT_MARK_JSON, ID_MARK_JSON, Bundle, JsonObject
from tools.fakex.rulestore import RuleVersion
from tools.fakex.snowflake import iso_ms, snowflake_ms
from tools.fakex.tweets import TweetFactory
from tools.fakex.witness import plan_for

#: Tries to write a tweet that matches before a pool entry is left empty.
_ATTEMPTS = 8
_POOLS_KEPT = 4


@dataclass(slots=True)
class Entry:
    """A tweet ready to send; ``tweet_id`` is None when the slot stamps the id."""

    bundle: Bundle
    matching_rules: list[JsonObject] | None
    tweet_id: int | None = None
    _lines: dict[Selection, bytes] = field(default_factory=dict)

    def line(self, selection: Selection) -> bytes:
        """The stream line (JSON + CRLF) for this tweet as ``selection`` asks."""
        line = self._lines.get(selection)
        if line is None:
            payload = render(self.bundle, selection)
            if self.matching_rules is not None:
                payload["matching_rules"] = self.matching_rules
            line = orjson.dumps(payload) + b"\r\n"
            self._lines[selection] = line
        return line


def stamp(line: bytes, tweet_id: int) -> bytes:
    """A generated line with its slot's id and the matching ``created_at`` filled in."""
    return line.replace(ID_MARK_JSON, str(tweet_id).encode()).replace(
        AT_MARK_JSON, iso_ms(snowflake_ms(tweet_id)).encode()
    )


def matching_json(rules: Sequence[CompiledRule]) -> list[JsonObject]:
    """``matching_rules`` items: X always sends ``tag``, "" for an untagged rule."""
    return [{"id": rule.id, "tag": rule.tag or ""} for rule in rules]


class Source(Protocol):
    """Resolves timeline slots to tweets."""

    def entry(self, slot: int) -> Entry | None: ...


class GeneratedSource:
    """Tweets written to match the rules in force at each slot (or anything, for sample)."""

    def __init__(
        self,
        seed: int,
        factory: TweetFactory,
        versions: Callable[[int], RuleVersion] | None,
        pool_size: int,
    ) -> None:
        self.seed = seed
        self.factory = factory
        self.versions = versions  # None: the unfiltered sample stream
        self.pool_size = pool_size
        self._lock = threading.Lock()
        self._pools: OrderedDict[int, dict[int, Entry | None]] = OrderedDict()

    def entry(self, slot: int) -> Entry | None:
        version = self.versions(slot) if self.versions is not None else None
        if version is not None and not version.rules:
            return None
        number = version.number if version is not None else -1
        index = slot % self.pool_size
        with self._lock:
            pool = self._pools.get(number)
            if pool is None:
                pool = self._pools[number] = {}
                while len(self._pools) > _POOLS_KEPT:
                    self._pools.popitem(last=False)
            else:
                self._pools.move_to_end(number)
            if index in pool:
                return pool[index]
        made = self.make(index, version)
        with self._lock:
            pool[index] = made
        return made

    def make(self, index: int, version: RuleVersion | None) -> Entry | None:
        """Pool entry ``index`` for ``version`` (deterministic)."""
        rng = random.Random(f"fakex:{self.seed}:{version.key if version else 'sample'}:{index}")
        if version is None:
            return Entry(self.factory.build(rng), None)
        targets = sorted(version.rules, key=lambda rule: rule.value)
        for _ in range(_ATTEMPTS):
            target = rng.choice(targets)
            bundle = self.factory.build(rng, plan_for(target.node, rng))
            matched = version.index.match(features_of(bundle))
            if matched:
                return Entry(bundle, matching_json(matched))
        return None


@dataclass(frozen=True, slots=True)
class ReplayRecord:
    """One line of a replay file."""

    bundle: Bundle
    features: Features
    tweet_id: int


class ReplaySource:
    """Plays file lines in order; the filtered stream skips lines no rule matches.

    Unlike generated tweets, a replay file is finite, so its lines are only used
    up while a stream is listening: the first time a stream asks for a slot
    beyond the last one played, that slot gets the next (matching) line. Slots
    nobody asked for stay empty, and backfill re-sends the lines already played.
    After the last line, slots are empty: the stream carries on with keep-alives.
    """

    def __init__(
        self, records: Sequence[ReplayRecord], versions: Callable[[int], RuleVersion] | None
    ) -> None:
        self.records = records
        self.versions = versions
        self._lock = threading.Lock()
        self._played: dict[int, Entry] = {}
        self._last_slot = -1
        self._cursor = 0

    def entry(self, slot: int) -> Entry | None:
        with self._lock:
            if slot <= self._last_slot:
                return self._played.get(slot)
            self._last_slot = slot
            entry = self._next(slot)
            if entry is not None:
                self._played[slot] = entry
            return entry

    def _next(self, slot: int) -> Entry | None:
        version = self.versions(slot) if self.versions is not None else None
        if version is not None and not version.rules:
            return None  # nothing can match: keep the lines for later rules
        while self._cursor < len(self.records):
            record = self.records[self._cursor]
            self._cursor += 1
            if version is None:
                return Entry(record.bundle, None, record.tweet_id)
            matched = version.index.match(record.features)
            if matched:
                return Entry(record.bundle, matching_json(matched), record.tweet_id)
        return None
