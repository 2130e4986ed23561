"""Read only what routing needs from a raw stream line.

The fast path never builds tweepy objects: one orjson parse per line gives the
tweet id and the matching rule tags, and the bytes travel on unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


class BadLine(ValueError):
    """Not a JSON object: counted and reported, never fatal."""


@dataclass(frozen=True, slots=True)
class Routed:
    """What a stream line is: a tweet, a stream-level error, or something else."""

    tweet_id: str | None
    tags: tuple[str, ...] = ()
    #: The title of a stream-level error object (e.g. operational-disconnect).
    error: str | None = None
    disconnect_type: str | None = None

    @property
    def is_tweet(self) -> bool:
        return self.tweet_id is not None


def parse(line: bytes) -> dict[str, Any]:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BadLine(f"invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise BadLine(f"expected a JSON object, got {type(obj).__name__}")
    return obj


def route(line: bytes) -> Routed:
    """Classify one line; raises BadLine if it is not a JSON object."""
    return route_object(parse(line))


def route_object(obj: dict[str, Any]) -> Routed:
    data = obj.get("data")
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        rules = obj.get("matching_rules") or ()
        tags = tuple(str(rule.get("tag") or "") for rule in rules if isinstance(rule, dict))
        return Routed(data["id"], tags)
    errors = obj.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return Routed(
            None,
            error=str(first.get("title") or first.get("type") or "error"),
            disconnect_type=first.get("disconnect_type"),
        )
    return Routed(None)


def normalise(line: bytes) -> bytes:
    """A line from a file as a stream line: a bare tweet object gets wrapped.

    Lets ``--from-file`` accept both what ``--to-file`` wrote (stream lines)
    and plain tweet dumps, and send both down the same pipeline.
    """
    obj = parse(line)
    if "data" in obj or "errors" in obj:
        return line
    if isinstance(obj.get("id"), str):
        return orjson.dumps({"data": obj})
    raise BadLine("neither a stream line nor a tweet object (no 'data' or 'id')")
