"""The stored tweet's shape, and ``STREAMFEED_TWEET_MODEL``: the swappable Tweet model.

django-twitter-stream let a project swap its Tweet model for a subclass with more
fields. Here ``STREAMFEED_TWEET_MODEL`` names either

- a subclass of :class:`chalicelib.core.models.TweetModel` (PynamoDB) with extra
  attributes, filled by its optional ``customise(self, source)`` method, or
- a hook, any callable ``hook(source) -> Mapping[str, object]`` whose result
  is stored as extra attributes (plain values: str, int, float, bool, bytes,
  lists, sets, dicts).

``source`` is a :class:`~chalicelib.consumer.parsing.TweetSource` (the tweet,
its whole stream line, its terms). Either way the tweet stays in the one
``tweets`` table, so the API keeps reading it with the base model; the extra
attributes are there for your own code. Every way the setting can be wrong is
reported at start-up as ``bad setting STREAMFEED_TWEET_MODEL: …``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from boto3.dynamodb.types import TypeSerializer

from chalicelib.consumer.errors import VARIABLE, TweetModelError
from chalicelib.consumer.parsing import TweetSource
from chalicelib.core.models import TweetModel, bind
from chalicelib.core.settings import Settings
from chalicelib.dotted import DottedPathError, import_dotted

#: X's epoch for snowflake ids (ms): a tweet id encodes its creation time.
_TWITTER_EPOCH_MS: Final = 1_288_834_974_657
_SNOWFLAKE_MIN: Final = 1 << 32

TweetHook = Callable[[TweetSource], Mapping[str, object]]
RawItem = dict[str, Any]


@dataclass(frozen=True)
class TweetShape:
    """How a :class:`TweetSource` becomes a stored item on one stage."""

    model: type[TweetModel]
    hook: TweetHook | None = None

    def item(self, source: TweetSource, stored_at: datetime) -> RawItem:
        """The DynamoDB item (attribute values) for ``source``."""
        tweet = self.model(source.tweet_id, **core_attributes(source, stored_at))
        customise = getattr(tweet, "customise", None)
        if callable(customise):
            customise(source)
        item: RawItem = tweet.serialize()
        if self.hook is not None:
            item.update(_extra_attributes(self.hook(source), self.model))
        return item


def core_attributes(source: TweetSource, stored_at: datetime) -> dict[str, Any]:
    """What the API and feeds read, plus the whole line compressed (nothing X sent is lost)."""
    tweet = source.tweet
    author = source.author
    username = author.get("username") if author is not None else None
    lang = tweet.get("lang")
    return {
        "created_at": tweet_time(source),
        "author_id": str(tweet.get("author_id") or ""),
        "author_username": username if isinstance(username, str) and username else None,
        "text": source.text,
        "lang": lang if isinstance(lang, str) and lang else None,
        "term_ids": set(source.term_ids) or None,
        "retweet_of": source.referenced("retweeted"),
        "quote_of": source.referenced("quoted"),
        "reply_to": source.referenced("replied_to"),
        "payload": zlib.compress(source.raw_line, 6),
        "stored_at": stored_at,
    }


def tweet_time(source: TweetSource) -> datetime:
    """``created_at``; else the time in the snowflake id; else when it was received."""
    stamp = source.tweet.get("created_at")
    if isinstance(stamp, str):
        try:
            parsed = datetime.fromisoformat(stamp)
        except ValueError:
            pass
        else:
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    number = int(source.tweet_id)
    millis = (number >> 22) + _TWITTER_EPOCH_MS if number >= _SNOWFLAKE_MIN else None
    return datetime.fromtimestamp((millis or source.received_at_ms) / 1000, UTC)


def load_shape(settings: Settings) -> TweetShape:
    """The stage's tweet shape: the base model, a bound subclass, or the base plus a hook."""
    if not settings.tweet_model:
        return TweetShape(bind(TweetModel, settings))
    target = _import(settings.tweet_model.strip())
    if isinstance(target, type):
        if not issubclass(target, TweetModel):
            raise TweetModelError(
                f"{target.__qualname__} is a class but not a subclass of "
                "chalicelib.core.models.TweetModel"
            )
        return TweetShape(bind(target, settings))
    if callable(target):
        return TweetShape(bind(TweetModel, settings), hook=target)
    raise TweetModelError(
        f"{settings.tweet_model!r} is a {type(target).__name__}, "
        "not a TweetModel subclass or a hook function"
    )


def _import(path: str) -> object:
    try:
        return import_dotted(path)
    except DottedPathError as exc:
        raise TweetModelError(str(exc)) from exc


_SERIALIZER: Final = TypeSerializer()


def _extra_attributes(values: Mapping[str, object], model: type[TweetModel]) -> RawItem:
    """A hook's values as DynamoDB attributes; the model's own names are off limits."""
    if not isinstance(values, Mapping):
        raise TypeError(f"{VARIABLE} hook returned {type(values).__name__}, not a mapping")
    reserved = model.get_attributes().keys()
    out: RawItem = {}
    for name, value in values.items():
        if name in reserved:
            raise ValueError(f"{VARIABLE} hook may not set {name!r}: the model owns it")
        if value is None:
            continue
        out[name] = _SERIALIZER.serialize(_decimals(value))
    return out


def _decimals(value: object) -> object:
    """DynamoDB numbers are decimals; boto3 refuses floats to avoid silent rounding."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_decimals(v) for v in value]
    if isinstance(value, set | frozenset):
        return {_decimals(v) for v in value}
    return value
