"""Who gets a tweet: the subscribers of its terms, streamed, sorted and deduplicated.

A term's subscribers come from the ``by-term`` index of ``subscriptions``,
whose range key is ``user_id``: pages arrive sorted by user id (DynamoDB sorts
by UTF-8 bytes, which is code point order, which is Python's ``str`` order).
Sorted streams let the recipients of a tweet matching several terms be merged
and deduplicated with one page per term in memory, however many subscribers a
term has, so a user subscribed to two matched terms gets one item.

Lookups are cached for one invocation: a batch of tweets about the same few
terms reads each term's subscribers once. A term with more subscribers than
``cache_limit`` is not cached; it is read again, page by page, when needed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: Subscribers per Query page (keys only: a page is about 30 KB).
PAGE_SIZE: Final = 1000
#: Terms with at most this many subscribers are kept for the invocation.
CACHE_LIMIT: Final = 5000


@dataclass
class SubscriberLookup:
    """Subscribers per term from the ``by-term`` index; one instance per invocation."""

    client: DynamoDBClient
    table: str
    index: str
    page_size: int = PAGE_SIZE
    cache_limit: int = CACHE_LIMIT
    _cache: dict[str, list[str]] = field(default_factory=dict)
    #: Terms found to have more than ``cache_limit`` subscribers.
    _big: set[str] = field(default_factory=set)
    #: Query pages read (tests check that the cache saves them).
    pages_read: int = 0

    def subscribers(self, term_id: str) -> Iterator[str]:
        """The term's subscribers in user id order, lazily."""
        cached = self._cache.get(term_id)
        if cached is not None:
            return iter(cached)
        return self._read(term_id)

    def prefetch(self, terms: Iterable[str]) -> None:
        """Cache the terms' subscribers now, so that fan-outs running in parallel share one read.

        A term past ``cache_limit`` is read only that far, once per invocation,
        and then streamed by each fan-out as before.
        """
        for term_id in sorted(set(terms) - self._cache.keys() - self._big):
            for seen, _ in enumerate(self._read(term_id)):
                if seen >= self.cache_limit:
                    self._big.add(term_id)
                    break

    def recipients(self, terms: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[str]:
        """Each subscriber of any of ``terms`` once, except subscribers of ``exclude``.

        ``exclude`` serves a tweet already delivered for some terms that now
        matched more: only the new terms' subscribers who lacked it get it.
        """
        wanted = union(self.subscribers(t) for t in sorted(set(terms)))
        skipped = set(exclude)
        if not skipped:
            return wanted
        return difference(wanted, union(self.subscribers(t) for t in sorted(skipped)))

    def _read(self, term_id: str) -> Iterator[str]:
        kept: list[str] | None = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": self.index,
            "KeyConditionExpression": "term_id = :t",
            "ExpressionAttributeValues": {":t": {"S": term_id}},
            "ProjectionExpression": "user_id",
            "Limit": self.page_size,
        }
        while True:
            page = self.client.query(**request)
            self.pages_read += 1
            users = [item["user_id"]["S"] for item in page.get("Items", [])]
            if kept is not None:
                kept.extend(users)
                if len(kept) > self.cache_limit:
                    kept = None  # too many to keep: stream this term every time
            yield from users
            last = page.get("LastEvaluatedKey")
            if not last:
                break
            request["ExclusiveStartKey"] = last
        if kept is not None:
            self._cache[term_id] = kept


def union(streams: Iterable[Iterator[str]]) -> Iterator[str]:
    """Merge sorted streams, each value once."""
    previous: str | None = None
    for user in heapq.merge(*streams):
        if user != previous:
            yield user
            previous = user


def difference(items: Iterator[str], minus: Iterator[str]) -> Iterator[str]:
    """The values of sorted ``items`` not in sorted ``minus``, both read once."""
    current = next(minus, None)
    for item in items:
        while current is not None and current < item:
            current = next(minus, None)
        if item != current:
            yield item
