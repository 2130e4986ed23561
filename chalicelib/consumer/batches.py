"""BatchWriteItem and BatchGetItem that finish the job, with backoff.

DynamoDB may leave part of a batch undone (``UnprocessedItems`` /
``UnprocessedKeys``) when a partition is hot; retrying at once hits the same
wall, and PynamoDB's ``batch_write`` retries without any pause. Here leftovers
are retried with exponential backoff and jitter, a bounded number of times,
then a :class:`BatchIncomplete` names what is still undone: the record fails
and is retried by Lambda, which is safe because every write is idempotent.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: DynamoDB's per-request limits.
WRITE_BATCH: Final = 25
GET_BATCH: Final = 100

RawItem = dict[str, Any]


class BatchIncomplete(RuntimeError):
    """DynamoDB still refused part of a batch after every retry."""


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds before retry ``attempt`` (1, 2, …): half fixed, half random ("equal jitter")."""
    step = min(cap, base * 2.0 ** (attempt - 1))
    return step / 2 + rng.uniform(0, step / 2)


def chunked(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Batches:
    """Batch writes and reads on one client; ``sleep`` and ``rng`` are injectable."""

    client: DynamoDBClient
    max_attempts: int = 8
    base_delay: float = 0.05
    max_delay: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def put(self, table: str, items: Sequence[RawItem]) -> None:
        """Put every item, 25 per request. Keys must be distinct (DynamoDB rejects repeats)."""
        for batch in chunked(items, WRITE_BATCH):
            self._put_one(table, [{"PutRequest": {"Item": item}} for item in batch])

    def get(self, table: str, keys: Sequence[RawItem], projection: str) -> list[RawItem]:
        """The items found among ``keys`` (any order), strongly consistent."""
        found: list[RawItem] = []
        for batch in chunked(keys, GET_BATCH):
            found += self._get_one(table, list(batch), projection)
        return found

    def _put_one(self, table: str, requests: list[Any]) -> None:
        pending = requests
        for attempt in range(1, self.max_attempts + 1):
            response = self.client.batch_write_item(RequestItems={table: pending})
            pending = list(response.get("UnprocessedItems", {}).get(table, []))
            if not pending:
                return
            if attempt < self.max_attempts:
                self._pause(attempt)
        raise BatchIncomplete(
            f"{len(pending)} of {len(requests)} writes to {table} still unprocessed "
            f"after {self.max_attempts} attempts"
        )

    def _get_one(self, table: str, keys: list[RawItem], projection: str) -> list[RawItem]:
        request: Any = {"Keys": keys, "ConsistentRead": True, "ProjectionExpression": projection}
        found: list[RawItem] = []
        for attempt in range(1, self.max_attempts + 1):
            response = self.client.batch_get_item(RequestItems={table: request})
            found += response.get("Responses", {}).get(table, [])
            left = response.get("UnprocessedKeys", {}).get(table)
            if not left or not left.get("Keys"):
                return found
            request = left
            if attempt < self.max_attempts:
                self._pause(attempt)
        raise BatchIncomplete(
            f"{len(request['Keys'])} reads from {table} still unprocessed "
            f"after {self.max_attempts} attempts"
        )

    def _pause(self, attempt: int) -> None:
        self.sleep(backoff_delay(attempt, self.base_delay, self.max_delay, self.rng))
