"""BatchWriteItem and BatchGetItem that finish the job; the one batch writer of the project.

DynamoDB may process only part of a batch (throttling, hot partitions) and hand
the rest back as ``UnprocessedItems``/``UnprocessedKeys``. Retrying at once
tends to hit the same wall, and PynamoDB's ``batch_write`` retries without any
pause, so leftovers are retried here with exponential backoff and jitter, a
bounded number of times, and then an error names what is still undone. Every
caller's writes are idempotent (same key, same item), so the caller may simply
retry the whole operation.

DynamoDB also rejects a whole BatchWriteItem that names one key twice, so
callers that may repeat a key pass its attribute names and the writer keeps
the last request per key, as sequential writes would.

The feed backends (``chalicelib.feeds.backends.batching``) and the consumer
(``chalicelib.consumer``) both write through :class:`Batches`; only the error
they raise differs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

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


class BatchIncomplete(RuntimeError):
    """DynamoDB still refused part of a batch after every retry."""


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait before retry ``attempt`` (1, 2, …): "equal jitter".

    Half the exponential step is fixed, so waits really grow; the other half is
    random, so clients throttled together do not retry in lockstep.
    """
    step = min(cap, base * 2.0 ** (attempt - 1))
    return step / 2 + rng.uniform(0, step / 2)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_requests(
    puts: Sequence[RawItem], deletes: Sequence[RawItem], key: Sequence[str]
) -> list[Any]:
    """BatchWriteItem requests; with ``key`` (attribute names), one per key, the last wins."""
    requests: list[Any] = [{"PutRequest": {"Item": item}} for item in puts]
    requests += [{"DeleteRequest": {"Key": dict(k)}} for k in deletes]
    if not key:
        return requests
    latest: dict[tuple[str, ...], Any] = {}
    for request in requests:
        put = request.get("PutRequest")
        attributes = put["Item"] if put is not None else request["DeleteRequest"]["Key"]
        identity = tuple(_key_text(attributes[name]) for name in key)
        latest.pop(identity, None)  # re-insert: the surviving request keeps the last position
        latest[identity] = request
    return list(latest.values())


def _key_text(value: Mapping[str, Any]) -> str:
    """A key attribute value (``{"S": …}``, ``{"N": …}`` or ``{"B": …}``) as text."""
    ((kind, raw),) = value.items()
    return f"{kind}:{raw!r}"


@dataclass
class Batches:
    """Batch writes and reads on one client, retried with backoff.

    ``sleep`` and ``rng`` are injectable so tests can observe the schedule
    without waiting for it; ``incomplete`` builds the error raised when retries
    run out (the feeds raise their own ``FeedStoreError``).
    """

    client: DynamoDBClient
    max_attempts: int = 8
    base_delay: float = 0.05
    max_delay: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    incomplete: Callable[[str], Exception] = BatchIncomplete

    def write(
        self,
        table: str,
        puts: Sequence[RawItem] = (),
        deletes: Sequence[RawItem] = (),
        *,
        key: Sequence[str] = (),
    ) -> None:
        """Put ``puts`` and delete the keys ``deletes``, 25 per request, one request at a time.

        Pass ``key`` (the table's key attribute names) when a key may repeat.
        Callers that want parallel requests run several calls themselves.
        """
        for batch in chunks(write_requests(puts, deletes, key), WRITE_BATCH):
            self._write_one(table, list(batch))

    def get(
        self,
        table: str,
        keys: Sequence[RawItem],
        projection: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> list[RawItem]:
        """Every item found among ``keys``, strongly consistent (any order; missing keys absent)."""
        found: list[RawItem] = []
        for batch in chunks(keys, GET_BATCH):
            found += self._get_one(table, list(batch), projection, names)
        return found

    def _write_one(self, table: str, requests: list[Any]) -> None:
        pending = requests
        for attempt in range(1, self.max_attempts + 1):
            response = self.client.batch_write_item(RequestItems={table: pending})
            pending = list(response.get("UnprocessedItems", {}).get(table, []))
            if not pending:
                return
            if attempt < self.max_attempts:
                self._pause(attempt)
        raise self.incomplete(
            f"{len(pending)} of {len(requests)} writes to {table} still unprocessed "
            f"after {self.max_attempts} attempts"
        )

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
                self._pause(attempt)
        raise self.incomplete(
            f"{len(request['Keys'])} reads from {table} still unprocessed "
            f"after {self.max_attempts} attempts"
        )

    def _pause(self, attempt: int) -> None:
        self.sleep(backoff_delay(attempt, self.base_delay, self.max_delay, self.rng))
