"""Ground truth against storage: what X emitted, what was stored, what feeds hold.

* **Emitted**: every tweet the fake X had for our rules in a window of its
  timeline (:meth:`ChaosFakeX.emitted`), sent on a connection or not.
* **Stored**: which of those are rows of the tweets table (strongly
  consistent ``BatchGetItem``). The consumer writes a tweet's row last, after
  its term timelines and feed items, so a stored row means fully processed.
* **Feeds**: each subscriber's feed read back; every stored tweet of a term
  they follow must be there exactly once (``tweet:<id>``).
* **Ledger**: every tweet the fake X wrote on a connection in the window
  must be stored too (nothing sent is dropped on our side).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core import aws
from chalicelib.core.settings import Settings
from chalicelib.feeds import Feeds

_BATCH = 100


class StoreProbe:
    """Which tweet ids are stored, asking DynamoDB only about the ones not yet seen."""

    def __init__(self, settings: Settings) -> None:
        self.client = aws.client(settings, "dynamodb")
        self.table = settings.table_name("tweets")
        self.terms: dict[str, set[str]] = {}

    def stored(self, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` that is stored now."""
        wanted = [i for i in dict.fromkeys(ids) if i not in self.terms]
        for start in range(0, len(wanted), _BATCH):
            self._fetch(wanted[start : start + _BATCH])
        return {i for i in ids if i in self.terms}

    def _fetch(self, ids: list[str]) -> None:
        request: dict[str, Any] = {
            self.table: {
                "Keys": [{"tweet_id": {"S": i}} for i in ids],
                "ConsistentRead": True,
                "ProjectionExpression": "tweet_id, term_ids",
            }
        }
        while request:
            answer = self.client.batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(self.table, []):
                terms = item.get("term_ids", {}).get("SS", [])
                self.terms[item["tweet_id"]["S"]] = set(terms)
            request = answer.get("UnprocessedKeys") or {}

    def wait_for(self, ids: Iterable[str], timeout: float, every: float = 0.5) -> float | None:
        """Seconds until every id in ``ids`` is stored; None if ``timeout`` ran out."""
        wanted = set(ids)
        started = time.monotonic()
        while True:
            if self.stored(wanted) >= wanted:
                return time.monotonic() - started
            if time.monotonic() - started > timeout:
                return None
            time.sleep(every)


@dataclass
class FeedCheck:
    duplicates: int = 0
    missing: int = 0
    unexpected: int = 0
    items_checked: int = 0
    examples: list[str] = field(default_factory=list)


def check_feeds(
    settings: Settings,
    subscriptions: dict[str, set[str]],
    tweets: dict[str, set[str]],
) -> FeedCheck:
    """Every subscriber has each stored tweet of their terms once, and nothing else of these.

    ``tweets``: stored tweet id -> the term ids X matched it with (ground truth).
    """
    feeds = Feeds.from_settings(settings)
    result = FeedCheck()
    wanted_ids = {f"tweet:{tweet_id}" for tweet_id in tweets}
    for user, terms in subscriptions.items():
        expected = {f"tweet:{t}" for t, matched in tweets.items() if matched & terms}
        seen = Counter(item.id for item in feeds.get_stream_items(user) if item.id in wanted_ids)
        result.items_checked += sum(seen.values())
        result.duplicates += sum(n - 1 for n in seen.values() if n > 1)
        missing = expected - set(seen)
        unexpected = set(seen) - expected
        result.missing += len(missing)
        result.unexpected += len(unexpected)
        result.examples += [f"{user} lacks {i}" for i in sorted(missing)[:2]]
        result.examples += [f"{user} has foreign {i}" for i in sorted(unexpected)[:2]]
    return result
