"""Feeds in Redis or Valkey: one sorted set per user, as django-user-streams' third backend.

Each member is an item's sort key and its content (``<sort key>\\0<content>``),
scored by ``created_at`` in microseconds. So a page is one ZREVRANGE, ``len()``
is ZCARD, a retried add is a no-op (ZADD NX finds the same member), and the
trim is one ZREMRANGEBYRANK. Equal scores are ordered by member, that is by
sort key, exactly as the DynamoDB backends order equal times.

Content is copied into every recipient's set, like the ``fanout`` backend;
hot terms keep the widest fan-outs out of it (``chalicelib.hotterms``).
Broadcast jobs and the user directory stay in DynamoDB, as with the other
backends. A cache that is lost can be refilled: ``streamfeed feeds rebuild``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Final

from valkey import Valkey
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError
from valkey.exceptions import ValkeyError

from chalicelib.core.settings import Settings
from chalicelib.feeds.backends.redisclient import client_for
from chalicelib.feeds.errors import FeedStoreError, FeedStoreUnavailableError
from chalicelib.feeds.items import BatchMark, StreamItem
from chalicelib.feeds.keys import split_sort_key
from chalicelib.feeds.protocol import Addition, ReadWindow

#: Between an item's sort key and its content in a member (never in a sort key).
JOIN: Final = "\x00"
#: Commands per pipeline round trip when delivering.
PIPELINE_COMMANDS: Final = 2000
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
log = logging.getLogger(__name__)


def score(created_at: datetime) -> int:
    """``created_at`` in whole microseconds since the epoch (exact in a double to 2255)."""
    delta = created_at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def member(item: StreamItem) -> str:
    return f"{item.sort_key}{JOIN}{item.content}"


def key_of(value: str) -> str:
    return value.partition(JOIN)[0]


def item_of(value: str) -> StreamItem:
    key, _, content = value.partition(JOIN)
    created_at, item_id = split_sort_key(key)
    return StreamItem(item_id, content, created_at)


class RedisBackend:
    """Sorted sets under ``settings.redis_prefix``; see the module docstring."""

    def __init__(self, settings: Settings, *, client: Valkey | None = None) -> None:
        self.max_length = settings.feed_max_length
        self.prefix = f"{settings.redis_prefix}feed:"
        self.client = client if client is not None else client_for(settings)

    def key(self, user: str) -> str:
        return self.prefix + user

    # FeedBackend
    def add(self, users: Sequence[str], item: StreamItem) -> None:
        self.add_many([Addition(item, users)])

    # SupportsAddMany: one pipeline (in round trips of PIPELINE_COMMANDS) for the batch.
    def add_many(self, additions: Sequence[Addition], mark: BatchMark | None = None) -> None:
        touched: dict[str, None] = {}
        with _errors("deliver"):
            pipe = self.client.pipeline(transaction=False)
            for addition in additions:
                value = {member(addition.item): score(addition.item.created_at)}
                for user in addition.users:
                    pipe.zadd(self.key(user), value, nx=True)
                    touched[user] = None
                    if len(pipe) >= PIPELINE_COMMANDS:
                        pipe.execute()
            if self.max_length:
                for user in touched:
                    pipe.zremrangebyrank(self.key(user), 0, -(self.max_length + 1))
                    if len(pipe) >= PIPELINE_COMMANDS:
                        pipe.execute()
            if len(pipe):
                pipe.execute()

    def count(self, user: str) -> int:
        with _errors("count"):
            return int(self.client.zcard(self.key(user)))

    def read(self, user: str, window: ReadWindow) -> list[StreamItem]:
        return [item_of(value) for value in self._window(user, window)]

    # SupportsKeys
    def read_keys(self, user: str, window: ReadWindow) -> list[str]:
        return [key_of(value) for value in self._window(user, window)]

    # SupportsImport
    def import_items(self, user: str, items: Iterable[StreamItem]) -> int:
        before = self.count(user)
        batch: list[Addition] = []
        for item in items:
            batch.append(Addition(item, (user,)))
            if len(batch) >= PIPELINE_COMMANDS:
                self.add_many(batch)
                batch = []
        if batch:
            self.add_many(batch)
        return self.count(user) - before

    def _window(self, user: str, window: ReadWindow) -> list[str]:
        """Members in the window's order: one command, or two in one round trip after a key.

        After a key, the members scored like it are read apart and filtered by
        sort key (ties: the same microsecond), then the strictly older (or
        newer) ones follow.
        """
        key, limit = self.key(user), window.limit
        if limit <= 0:
            return []
        with _errors("read"):
            if window.after is None:
                if window.newest_first:
                    return _texts(self.client.zrevrange(key, 0, limit - 1))
                return _texts(self.client.zrange(key, 0, limit - 1))
            created_at, _ = split_sort_key(window.after)
            at = score(created_at)
            pipe = self.client.pipeline(transaction=False)
            pipe.zrangebyscore(key, at, at)
            if window.newest_first:
                pipe.zrevrangebyscore(key, f"({at}", "-inf", start=0, num=limit)
            else:
                pipe.zrangebyscore(key, f"({at}", "+inf", start=0, num=limit)
            same, beyond = pipe.execute()
        ties = _texts(same)
        if window.newest_first:
            kept = sorted((v for v in ties if key_of(v) < window.after), reverse=True)
        else:
            kept = sorted(v for v in ties if key_of(v) > window.after)
        return (kept + _texts(beyond))[:limit]


def _texts(values: Any) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


@contextmanager
def _errors(doing: str) -> Iterator[None]:
    """Turn the client's failures, after its own retries, into the feeds' errors."""
    try:
        yield
    except (ValkeyConnectionError, ValkeyTimeoutError) as exc:
        # The message reaches HTTP clients: the server's address stays in the log.
        log.warning("redis feed store unreachable (%s): %s", doing, exc)
        raise FeedStoreUnavailableError(
            f"the feed store is unreachable ({doing}); try again"
        ) from exc
    except ValkeyError as exc:
        log.error("redis feed store refused to %s: %s", doing, exc)
        raise FeedStoreError(f"the feed store refused to {doing}") from exc
