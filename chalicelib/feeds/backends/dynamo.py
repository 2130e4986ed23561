"""What the two DynamoDB backends share: batched writes, counters, trims, range reads.

Both keep per-recipient rows keyed ``(user_id, sk)`` where ``sk`` is the item's
sort key, so a feed page is one Query on one partition, newest first. They
differ only in what a row holds (the whole item, or a pointer to it), which
subclasses supply.

Writes are idempotent per (user, item): rows are re-put with the same key and
the counter refuses an id it has just counted. Per-recipient work (counter
updates, trims) runs on a small thread pool because DynamoDB latency, not CPU,
bounds a large fan-out.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

from chalicelib.aws import bulk_dynamodb
from chalicelib.feeds.backends.batching import WRITE_BATCH, Batcher, RawItem, chunks
from chalicelib.feeds.backends.counters import FeedCounters
from chalicelib.feeds.items import StreamItem
from chalicelib.feeds.protocol import ReadWindow
from chalicelib.models import Models, bind_models
from chalicelib.settings import Settings
from chalicelib.threadpools import call_all

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")

#: Threads for per-recipient requests; shared by every backend in the process.
WORKERS: Final = 8
#: Items an import holds in memory at once.
IMPORT_CHUNK: Final = 2500


def run_all(function: Callable[[T], object], arguments: Iterable[T]) -> None:
    """Call ``function`` on every argument in parallel; re-raise the first failure.

    Waits for every call even when one fails, so no write is still in flight
    when the caller sees the error (and perhaps retries).
    """
    call_all("feeds", WORKERS, [partial(function, argument) for argument in arguments])


class DynamoBackend(abc.ABC):
    """Base of ``fanout`` and ``shared``; see the module docstring."""

    #: The counter row's ``feed`` value; also names the backend in messages.
    feed: ClassVar[str]

    def __init__(
        self,
        settings: Settings,
        *,
        client: DynamoDBClient | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.models: Models = bind_models(settings)
        self.client: DynamoDBClient = client if client is not None else bulk_dynamodb(settings)
        self.batcher = Batcher(self.client, sleep=sleep)
        self.max_length = settings.feed_max_length
        self.counters = FeedCounters(
            self.client, self.models.feed_counters.Meta.table_name, self.feed
        )

    # What subclasses supply.
    @property
    @abc.abstractmethod
    def rows_table(self) -> str:
        """The table of per-recipient rows, keyed (user_id, sk)."""

    @abc.abstractmethod
    def row_attributes(self, item: StreamItem) -> RawItem:
        """A per-recipient row of ``item`` without its ``user_id`` (the same for all)."""

    def rows(self, users: Iterable[str], item: StreamItem) -> list[RawItem]:
        """Serialized rows, built by hand from one template: a big fan-out makes many.

        (Instantiating a PynamoDB model per row costs more than the rest of
        the row's client-side work; tests check the result equals the model's.)
        """
        attributes = self.row_attributes(item)
        return [{"user_id": {"S": user}, **attributes} for user in users]

    @abc.abstractmethod
    def hydrate(self, rows: list[RawItem]) -> list[StreamItem]:
        """Items for rows read by ``read`` (same order)."""

    @abc.abstractmethod
    def store_items(self, items: Sequence[StreamItem]) -> None:
        """Anything to write once per item, before any row points at it."""

    def row_projection(self) -> str | None:
        """Attributes ``read`` needs (``#s`` is sk); None for all."""
        return None

    # FeedBackend
    def add(self, users: Sequence[str], item: StreamItem) -> None:
        self.store_items([item])
        rows = self.rows(users, item)
        run_all(lambda batch: self.batcher.write(self.rows_table, batch), chunks(rows, WRITE_BATCH))
        run_all(lambda user: self._count(user, item.id), users)

    def count(self, user: str) -> int:
        return self.counters.get(user)

    def read(self, user: str, window: ReadWindow) -> list[StreamItem]:
        return self.hydrate(self._query(user, window, self.row_projection()))

    # SupportsKeys
    def read_keys(self, user: str, window: ReadWindow) -> list[str]:
        return [row["sk"]["S"] for row in self._query(user, window, "#s")]

    # SupportsImport
    def import_items(self, user: str, items: Iterable[StreamItem]) -> int:
        total = 0
        iterator: Iterator[StreamItem] = iter(items)
        while chunk := list(islice(iterator, IMPORT_CHUNK)):
            self.store_items(chunk)
            rows = [row for item in chunk for row in self.rows([user], item)]
            run_all(
                lambda batch: self.batcher.write(self.rows_table, batch), chunks(rows, WRITE_BATCH)
            )
            total += len(chunk)
        self.counters.add(user, total)
        if self.max_length:
            self._trim(user, self.counters.get(user) - self.max_length)
        return total

    # Internals
    def _count(self, user: str, item_id: str) -> None:
        total = self.counters.count_item(user, item_id)
        if total is not None and self.max_length and total > self.max_length:
            self._trim(user, total - self.max_length)

    def _trim(self, user: str, excess: int) -> None:
        """Delete the ``excess`` oldest rows: one short Query from the old end, no scan.

        Deletes are single conditional-free DeleteItems returning the old row,
        so two concurrent trimmers that pick the same row decrement the counter
        once between them.
        """
        if excess <= 0:
            return
        oldest = self.read_keys(user, ReadWindow(limit=excess, newest_first=False))
        deleted = sum(1 for key in oldest if self._delete_row(user, key))
        self.counters.add(user, -deleted)

    def _delete_row(self, user: str, key: str) -> bool:
        response = self.client.delete_item(
            TableName=self.rows_table,
            Key={"user_id": {"S": user}, "sk": {"S": key}},
            ReturnValues="ALL_OLD",
        )
        return bool(response.get("Attributes"))

    def _query(self, user: str, window: ReadWindow, projection: str | None) -> list[RawItem]:
        names = {"#u": "user_id"}
        values: dict[str, Any] = {":u": {"S": user}}
        condition = "#u = :u"
        if window.after is not None:
            condition += " AND #s < :after" if window.newest_first else " AND #s > :after"
            values[":after"] = {"S": window.after}
        if window.after is not None or (projection and "#s" in projection):
            names["#s"] = "sk"
        request: dict[str, Any] = {
            "TableName": self.rows_table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": not window.newest_first,
            "ConsistentRead": True,
        }
        if projection:
            request["ProjectionExpression"] = projection
        rows: list[RawItem] = []
        while len(rows) < window.limit:
            response = self.client.query(**request, Limit=window.limit - len(rows))
            rows += response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            request["ExclusiveStartKey"] = last
        return rows
