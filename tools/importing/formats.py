"""Tweets from the archives people already have, as v2 stream lines. Pure: no I/O.

Each input line is one of:

- a v2 stream line (``{"data": {tweet}, "includes": …, "matching_rules": …}``),
  as ``streamfeed stream --to-file`` and the fake X write it;
- a twarc2 stream line: the same, with twarc's ``__twarc`` metadata;
- a twarc2 search or timeline page: ``data`` is a list, ``includes`` is shared
  by the page; each tweet becomes a line of its own with only its own includes;
- a bare v2 tweet object;
- a v1.1 tweet object (django-twitter-stream's ``--to-file`` dumps and tweets
  table), mapped to the v2 shape; the original travels along under
  ``__v1_1`` so the stored payload keeps it.

Anything else (a stream error object, a JSON array, a truncated line) is a
:class:`~streamer.lines.BadLine`: reported with its line number, never shipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import orjson

from streamer.lines import BadLine, parse

JsonObject = dict[str, Any]

#: Where a v1.1 original is kept in the line the consumer stores.
V1_KEY: Final = "__v1_1"
_V1_TIME: Final = "%a %b %d %H:%M:%S %z %Y"
#: includes kinds, and how a tweet refers to each.
_INCLUDE_KINDS: Final = ("users", "tweets", "media", "places", "polls")


@dataclass(frozen=True, slots=True)
class Converted:
    """What one input line was, and the stream lines it gives (none for an empty page)."""

    kind: str
    lines: tuple[bytes, ...]


def convert(line: bytes, term_ids: Sequence[str] = ()) -> Converted:
    """The v2 stream lines of one input line, tagged with ``term_ids`` too; or BadLine."""
    obj = parse(line)
    data = obj.get("data")
    if isinstance(data, dict):
        if not _is_id(data.get("id")):
            raise BadLine("'data' has no tweet id")
        kind = "twarc2 stream line" if "__twarc" in obj else "v2 stream line"
        out = {k: v for k, v in obj.items() if k != "__twarc"}
        return Converted(kind, (_dump(_tag(out, term_ids)),))
    if isinstance(data, list):
        return Converted("twarc2 page", tuple(_dump(_tag(t, term_ids)) for t in split_page(obj)))
    if "errors" in obj:
        raise BadLine("a stream error object, not a tweet")
    if _is_v1(obj):
        tweet, includes = v1_to_v2(obj)
        out = {"data": tweet, "includes": includes, V1_KEY: obj}
        return Converted("v1.1 tweet", (_dump(_tag(out, term_ids)),))
    if _is_id(obj.get("id")) and isinstance(obj.get("text"), str):
        return Converted("v2 tweet", (_dump(_tag({"data": obj}, term_ids)),))
    raise BadLine("not a v2 stream line, a twarc2 line or page, nor a v1.1 or v2 tweet")


def split_page(page: JsonObject) -> list[JsonObject]:
    """One stream line per tweet of a page, each with the includes it refers to."""
    includes = _mapping(page.get("includes"))
    index = {
        kind: {_key(kind, o): o for o in _objects(includes.get(kind)) if _key(kind, o)}
        for kind in _INCLUDE_KINDS
    }
    lines = []
    for tweet in _objects(page.get("data")):
        if not _is_id(tweet.get("id")):
            raise BadLine("a page's tweet has no id")
        own: JsonObject = {}
        for kind, keys in _references(tweet, index["tweets"]).items():
            found = [index[kind][k] for k in keys if k in index[kind]]
            if found:
                own[kind] = found
        lines.append({"data": tweet, "includes": own} if own else {"data": tweet})
    return lines


def v1_to_v2(v1: JsonObject) -> tuple[JsonObject, JsonObject]:
    """A v1.1 tweet as a v2 tweet and its includes (users, and the tweets it embeds)."""
    users: dict[str, JsonObject] = {}
    tweets: list[JsonObject] = []
    tweet = _v1_tweet(v1, users)
    for kind, field in (("retweeted", "retweeted_status"), ("quoted", "quoted_status")):
        embedded = v1.get(field)
        if isinstance(embedded, dict) and _is_v1(embedded):
            tweets.append(_v1_tweet(embedded, users))
            tweet.setdefault("referenced_tweets", []).append({"type": kind, "id": _v1_id(embedded)})
    includes: JsonObject = {"users": list(users.values())}
    if tweets:
        includes["tweets"] = tweets
    return tweet, includes


def _v1_tweet(v1: JsonObject, users: dict[str, JsonObject]) -> JsonObject:
    extended = _mapping(v1.get("extended_tweet"))
    text = extended.get("full_text") or v1.get("full_text") or v1.get("text") or ""
    tweet: JsonObject = {"id": _v1_id(v1), "text": str(text)}
    created = _v1_time(v1.get("created_at"))
    if created:
        tweet["created_at"] = created
    user = v1.get("user")
    if isinstance(user, dict) and (user.get("id_str") or user.get("id")):
        author = {
            "id": str(user.get("id_str") or user.get("id")),
            "name": str(user.get("name") or ""),
            "username": str(user.get("screen_name") or ""),
        }
        tweet["author_id"] = author["id"]
        users.setdefault(author["id"], author)
    for source, target in (("lang", "lang"), ("possibly_sensitive", "possibly_sensitive")):
        if v1.get(source) is not None:
            tweet[target] = v1[source]
    if v1.get("in_reply_to_status_id_str"):
        tweet["referenced_tweets"] = [
            {"type": "replied_to", "id": str(v1["in_reply_to_status_id_str"])}
        ]
    if v1.get("in_reply_to_user_id_str"):
        tweet["in_reply_to_user_id"] = str(v1["in_reply_to_user_id_str"])
    entities = extended.get("entities") or v1.get("entities")
    if isinstance(entities, dict):
        mapped = _v1_entities(entities)
        if mapped:
            tweet["entities"] = mapped
    metrics = {
        "retweet_count": v1.get("retweet_count"),
        "like_count": v1.get("favorite_count"),
        "reply_count": v1.get("reply_count"),
        "quote_count": v1.get("quote_count"),
    }
    if any(isinstance(v, int) for v in metrics.values()):
        tweet["public_metrics"] = {k: v for k, v in metrics.items() if isinstance(v, int)}
    return tweet


def _v1_entities(entities: JsonObject) -> JsonObject:
    out: JsonObject = {}
    hashtags = [
        {**_span(h), "tag": str(h.get("text") or "")} for h in _objects(entities.get("hashtags"))
    ]
    mentions = [
        {**_span(m), "username": str(m.get("screen_name") or ""), "id": str(m.get("id_str") or "")}
        for m in _objects(entities.get("user_mentions"))
    ]
    urls = [
        {
            **_span(u),
            "url": str(u.get("url") or ""),
            "expanded_url": str(u.get("expanded_url") or ""),
            "display_url": str(u.get("display_url") or ""),
        }
        for u in _objects(entities.get("urls"))
    ]
    for name, values in (("hashtags", hashtags), ("mentions", mentions), ("urls", urls)):
        if values:
            out[name] = values
    return out


def _span(entity: JsonObject) -> JsonObject:
    indices = entity.get("indices")
    if isinstance(indices, list) and len(indices) == 2:
        return {"start": indices[0], "end": indices[1]}
    return {}


def _v1_time(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.strptime(value, _V1_TIME).astimezone(UTC)
    except ValueError:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z") if moment.year >= 1000 else None


def _references(tweet: JsonObject, tweets: dict[str, JsonObject]) -> dict[str, list[str]]:
    """The includes keys ``tweet`` refers to, and those of the tweets it embeds."""
    refs: dict[str, list[str]] = {kind: [] for kind in _INCLUDE_KINDS}
    queue = [tweet]
    seen: set[str] = set()
    while queue:
        current = queue.pop()
        for user_field in ("author_id", "in_reply_to_user_id"):
            if current.get(user_field):
                refs["users"].append(str(current[user_field]))
        entities = _mapping(current.get("entities"))
        refs["users"] += [str(m["id"]) for m in _objects(entities.get("mentions")) if m.get("id")]
        attachments = current.get("attachments")
        if isinstance(attachments, dict):
            refs["media"] += [str(k) for k in attachments.get("media_keys") or ()]
            refs["polls"] += [str(k) for k in attachments.get("poll_ids") or ()]
        geo = current.get("geo")
        if isinstance(geo, dict) and geo.get("place_id"):
            refs["places"].append(str(geo["place_id"]))
        for ref in _objects(current.get("referenced_tweets")):
            ref_id = str(ref.get("id") or "")
            if ref_id and ref_id not in seen:
                seen.add(ref_id)
                refs["tweets"].append(ref_id)
                if ref_id in tweets:
                    queue.append(tweets[ref_id])
    return {kind: list(dict.fromkeys(keys)) for kind, keys in refs.items()}


def _key(kind: str, obj: JsonObject) -> str:
    value = obj.get("media_key") if kind == "media" else obj.get("id")
    return str(value) if value is not None else ""


def _tag(line: JsonObject, term_ids: Sequence[str]) -> JsonObject:
    if not term_ids:
        return line
    rules = [r for r in _objects(line.get("matching_rules"))]
    known = {r.get("tag") for r in rules}
    rules += [{"id": "import", "tag": t} for t in term_ids if t not in known]
    return {**line, "matching_rules": rules}


def _is_v1(obj: JsonObject) -> bool:
    return bool(obj.get("id_str")) or (isinstance(obj.get("id"), int) and "user" in obj)


def _v1_id(obj: JsonObject) -> str:
    return str(obj.get("id_str") or obj.get("id"))


def _is_id(value: object) -> bool:
    return isinstance(value, str) and value.isdigit()


def _mapping(value: object) -> JsonObject:
    return value if isinstance(value, dict) else {}


def _objects(value: object) -> Iterable[JsonObject]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dump(obj: JsonObject) -> bytes:
    return orjson.dumps(obj)
