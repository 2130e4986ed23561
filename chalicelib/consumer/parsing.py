"""From one Kinesis record to the distinct tweets it carries.

A record holds many raw stream lines. Each line gives one tweet (``data``)
with the terms it matched (``matching_rules[].tag`` is the term id) and, with
capture retweets on, the retweeted original from ``includes.tweets`` as a tweet
of its own. The same tweet can appear twice in one record (an X backfill
overlap, a retweeted original that also matched by itself); it is merged here,
because one BatchWriteItem may not put the same key twice.

A line that is not a tweet is returned as a :class:`BadLine` for quarantine,
never dropped silently and never allowed to fail the whole record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from chalicelib.core.records import Entry

JsonObject = dict[str, Any]


@dataclass(slots=True)
class TweetSource:
    """One tweet to store and what it arrived with: what a custom model hook reads."""

    #: The tweet object: the line's ``data``, or a retweeted original.
    tweet: JsonObject
    #: The whole stream line, parsed (``data``, ``includes``, ``matching_rules``).
    line: JsonObject
    #: The stream line as X sent it; for a captured original, a line of its own.
    raw_line: bytes
    #: Terms the tweet matched (empty for a captured original).
    term_ids: frozenset[str]
    #: When the streamer read the line (Unix ms).
    received_at_ms: int
    #: True for a retweeted original taken from ``includes.tweets``.
    captured: bool = False

    @property
    def tweet_id(self) -> str:
        return str(self.tweet["id"])

    @property
    def author(self) -> JsonObject | None:
        """The author's user object from ``includes.users``, if X sent it."""
        author_id = self.tweet.get("author_id")
        for user in _objects(_includes(self.line).get("users")):
            if user.get("id") == author_id:
                return user
        return None

    def referenced(self, kind: str) -> str | None:
        """The id of the tweet this one ``retweeted``, ``quoted`` or ``replied_to``."""
        for ref in _objects(self.tweet.get("referenced_tweets")):
            if ref.get("type") == kind and ref.get("id") is not None:
                return str(ref["id"])
        return None

    @property
    def text(self) -> str:
        """The full text: a long post's ``note_tweet`` text, else ``text``."""
        note = self.tweet.get("note_tweet")
        if isinstance(note, dict) and isinstance(note.get("text"), str) and note["text"]:
            return str(note["text"])
        text = self.tweet.get("text")
        return text if isinstance(text, str) else ""


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that carries no tweet: quarantined with its position in the record."""

    index: int
    error: str
    line: bytes


@dataclass(slots=True)
class ParsedRecord:
    """The distinct tweets of one record, in first-seen order."""

    tweets: list[TweetSource] = field(default_factory=list)
    #: Tweets seen again within the record and merged into the first copy.
    duplicates: int = 0
    bad: list[BadLine] = field(default_factory=list)
    #: The oldest ``received_at`` of the record's lines (Unix ms), for lag.
    oldest_received_ms: int | None = None


def parse_entries(entries: Iterable[Entry], *, capture_retweets: bool) -> ParsedRecord:
    """Every distinct tweet in ``entries``, duplicates merged, bad lines set aside."""
    result = ParsedRecord()
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        if result.oldest_received_ms is None or entry.received_at_ms < result.oldest_received_ms:
            result.oldest_received_ms = entry.received_at_ms
        try:
            found = tweets_of_line(entry, capture_retweets=capture_retweets)
        except ValueError as exc:
            result.bad.append(BadLine(index, str(exc), entry.line))
            continue
        for source in found:
            position = seen.get(source.tweet_id)
            if position is None:
                seen[source.tweet_id] = len(result.tweets)
                result.tweets.append(source)
            else:
                result.duplicates += 1
                result.tweets[position] = merge(result.tweets[position], source)
    return result


def tweets_of_line(entry: Entry, *, capture_retweets: bool) -> list[TweetSource]:
    """The line's tweet (and its retweeted original); ValueError if it has none."""
    try:
        obj = orjson.loads(entry.line)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    data = obj.get("data")
    if not isinstance(data, dict) or not _is_tweet_id(data.get("id")):
        kind = "an error message from X" if "errors" in obj else "no data.id"
        raise ValueError(f"not a tweet ({kind})")
    tags = {
        str(rule["tag"])
        for rule in _objects(obj.get("matching_rules"))
        if isinstance(rule.get("tag"), str) and rule["tag"]
    }
    primary = TweetSource(data, obj, entry.line, frozenset(tags), entry.received_at_ms)
    out = [primary]
    if capture_retweets:
        original_id = primary.referenced("retweeted")
        for candidate in _objects(_includes(obj).get("tweets")):
            if str(candidate.get("id")) == original_id and _is_tweet_id(candidate.get("id")):
                out.append(_captured(candidate, obj, entry.received_at_ms))
    return out


def merge(first: TweetSource, again: TweetSource) -> TweetSource:
    """One tweet seen twice: the delivered copy wins over a captured one; terms add up."""
    kept = again if first.captured and not again.captured else first
    kept.term_ids = first.term_ids | again.term_ids
    return kept


def _captured(original: JsonObject, line: JsonObject, received_at_ms: int) -> TweetSource:
    """A retweeted original as a tweet of its own, in the line shape ``--to-file`` writes."""
    own: JsonObject = {"data": original}
    author = next(
        (
            u
            for u in _objects(_includes(line).get("users"))
            if u.get("id") == original.get("author_id")
        ),
        None,
    )
    if author is not None:
        own["includes"] = {"users": [author]}
    return TweetSource(original, own, orjson.dumps(own), frozenset(), received_at_ms, captured=True)


def _is_tweet_id(value: object) -> bool:
    return isinstance(value, str) and value.isdigit() and 0 < len(value) <= 19


def _includes(line: JsonObject) -> JsonObject:
    includes = line.get("includes")
    return includes if isinstance(includes, dict) else {}


def _objects(value: object) -> list[JsonObject]:
    """The dicts in a list (X's arrays), ignoring anything malformed."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]
