"""Read a JSONL file of tweets for ``--replay``.

Each non-blank line is either a stream line (``{"data": …, "includes": …}``,
e.g. one captured with ``--to-file``) or a bare v2 tweet object. Tweets keep
their own ids; they must be numeric strings, as X's are.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from tools.fakex.matcher import features_of
from tools.fakex.model import Bundle, JsonObject
from tools.fakex.sources import ReplayRecord


class ReplayError(ValueError):
    """The replay file cannot be used; the message names the file and line."""


def load_replay(path: Path) -> list[ReplayRecord]:
    """Parse every line of ``path``; raise :class:`ReplayError` on the first bad one."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReplayError(f"cannot read replay file {path}: {exc.strerror or exc}") from None
    records: list[ReplayRecord] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise ReplayError(f"{path}:{number}: not JSON ({exc})") from None
        try:
            records.append(_record(obj))
        except ValueError as exc:
            raise ReplayError(f"{path}:{number}: {exc}") from None
    if not records:
        raise ReplayError(f"{path}: no tweets in replay file")
    return records


def _record(obj: object) -> ReplayRecord:
    if not isinstance(obj, dict):
        raise ValueError("a line must be a JSON object")
    tweet = obj.get("data", obj)
    includes = obj.get("includes", {}) if "data" in obj else {}
    if not isinstance(tweet, dict) or not isinstance(includes, dict):
        raise ValueError("'data' and 'includes' must be objects")
    tweet_id = tweet.get("id")
    if not isinstance(tweet_id, str) or not tweet_id.isdigit() or len(tweet_id) > 19:
        raise ValueError("tweet 'id' must be a numeric string")
    if not isinstance(tweet.get("text"), str):
        raise ValueError("tweet 'text' must be a string")
    bundle = Bundle(
        tweet=tweet,
        users=_by(includes.get("users"), "id"),
        tweets=_by(includes.get("tweets"), "id"),
        media=_by(includes.get("media"), "media_key"),
    )
    return ReplayRecord(bundle, features_of(bundle), int(tweet_id))


def _by(items: object, key: str) -> dict[str, JsonObject]:
    if not isinstance(items, list):
        return {}
    return {str(item[key]): item for item in items if isinstance(item, dict) and key in item}
