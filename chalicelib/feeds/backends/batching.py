"""BatchWriteItem and BatchGetItem that finish the job: retry what DynamoDB left over.

DynamoDB may process only part of a batch (throttling, partition limits) and
return the rest as ``UnprocessedItems``/``UnprocessedKeys``; retrying at once
tends to hit the same wall. PynamoDB's ``batch_write`` retries without any
pause, so this module does it itself: exponential backoff with jitter, a
bounded number of attempts, then a clear error naming what is still unwritten.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from chalicelib.feeds.errors import FeedStoreError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        KeysAndAttributesOutputTypeDef,
        KeysAndAttributesTypeDef,
    )

#: DynamoDB's per-request limits.
WRITE_BATCH: Final = 25
GET_BATCH: Final = 100

RawItem = dict[str, Any]


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry ``attempt`` (1, 2, …): "equal jitter".

    Half the exponential step is fixed, so waits really grow; the other half is
    random, so clients throttled together do not retry in lockstep.
    """
    step = min(cap, base * 2.0 ** (attempt - 1))
    return step / 2 + rng.uniform(0, step / 2)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Batcher:
    """Batch reads and writes on one client, retried with backoff.

    ``sleep`` and ``rng`` are injectable so tests can observe the schedule
    without waiting for it.
    """

    client: DynamoDBClient
    max_attempts: int = 8
    base_delay: float = 0.05
    max_delay: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def write(
        self, table: str, puts: Sequence[RawItem] = (), deletes: Sequence[RawItem] = ()
    ) -> None:
        """Put ``puts`` and delete the keys ``deletes``, 25 per request.

        One request per call: callers run several in parallel themselves.
        """
        requests: list[Any] = [{"PutRequest": {"Item": item}} for item in puts]
        requests += [{"DeleteRequest": {"Key": key}} for key in deletes]
        for batch in chunks(requests, WRITE_BATCH):
            self._write_one(table, list(batch))

    def _write_one(self, table: str, requests: list[Any]) -> None:
        pending = requests
        for attempt in range(1, self.max_attempts + 1):
            response = self.client.batch_write_item(RequestItems={table: pending})
            pending = list(response.get("UnprocessedItems", {}).get(table, []))
            if not pending:
                return
            if attempt < self.max_attempts:
                self.sleep(backoff_delay(attempt, self.base_delay, self.max_delay, self.rng))
        raise FeedStoreError(
            f"{len(pending)} of {len(requests)} writes to {table} still unprocessed "
            f"after {self.max_attempts} attempts"
        )

    def get(
        self,
        table: str,
        keys: Sequence[RawItem],
        projection: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> list[RawItem]:
        """Every item found among ``keys`` (any order; missing keys are absent)."""
        found: list[RawItem] = []
        for batch in chunks(keys, GET_BATCH):
            found += self._get_one(table, list(batch), projection, names)
        return found

    def _get_one(
        self,
        table: str,
        keys: list[RawItem],
        projection: str | None,
        names: Mapping[str, str] | None,
    ) -> list[RawItem]:
        request: KeysAndAttributesTypeDef | KeysAndAttributesOutputTypeDef
        request = {"Keys": keys, "ConsistentRead": True}
        if projection:
            request["ProjectionExpression"] = projection
        if names:
            request["ExpressionAttributeNames"] = dict(names)
        found: list[RawItem] = []
        for attempt in range(1, self.max_attempts + 1):
            response = self.client.batch_get_item(RequestItems={table: request})
            found += response.get("Responses", {}).get(table, [])
            left = response.get("UnprocessedKeys", {}).get(table)
            if not left or not left.get("Keys"):
                return found
            request = left
            if attempt < self.max_attempts:
                self.sleep(backoff_delay(attempt, self.base_delay, self.max_delay, self.rng))
        raise FeedStoreError(
            f"{len(request['Keys'])} reads from {table} still unprocessed "
            f"after {self.max_attempts} attempts"
        )
