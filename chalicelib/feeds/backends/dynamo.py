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

from chalicelib.core.aws import bulk_dynamodb
from chalicelib.core.models import Models, bind_models
from chalicelib.core.settings import Settings
from chalicelib.feeds.backends.batching import GET_BATCH, WRITE_BATCH, Batcher, RawItem, chunks
from chalicelib.feeds.backends.counters import FeedCounters
from chalicelib.feeds.items import BatchMark, StreamItem
from chalicelib.feeds.protocol import Addition, ReadWindow
from chalicelib.feeds.tally import Tally, count_batch
from chalicelib.threadpools import call_all

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")
R = TypeVar("R")

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


def call_all_chunks(function: Callable[[list[T]], R], arguments: Sequence[T], size: int) -> list[R]:
    """``function`` of each ``size``-long slice of ``arguments``, in parallel, in order."""
    calls = [partial(function, list(part)) for part in chunks(arguments, size)]
    return call_all("feeds", WORKERS, calls)


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
            self.client, self.models.feed_counters.Meta.table_name, self.feed, self.batcher
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
        self.add_many([Addition(item, users)])

    # SupportsAddMany
    def add_many(self, additions: Sequence[Addition], mark: BatchMark | None = None) -> None:
        """Rows of every item in shared 25-row batches, then each user's count once.

        Rows go first: a crash before the counts leaves rows that a retry
        rewrites and counts then; counts are idempotent per (user, item).
        """
        items = list({a.item.id: a.item for a in additions}.values())
        self.store_items(items)
        rows: dict[tuple[str, str], RawItem] = {}
        received: dict[str, dict[str, None]] = {}
        for addition in additions:
            key, item_id = addition.item.sort_key, addition.item.id
            for row in self.rows(addition.users, addition.item):
                rows[row["user_id"]["S"], key] = row
            for user in addition.users:
                received.setdefault(user, {})[item_id] = None
        run_all(
            lambda batch: self.batcher.write(self.rows_table, batch),
            chunks(list(rows.values()), WRITE_BATCH),
        )
        if mark is None:
            run_all(lambda entry: self._count(entry[0], list(entry[1])), received.items())
        else:
            self._count_marked({user: list(ids) for user, ids in received.items()}, mark)

    def count(self, user: str) -> int:
        return self.counters.get(user)

    def read(self, user: str, window: ReadWindow) -> list[StreamItem]:
        return self.hydrate(self._query(user, window, self.row_projection(), consistent=False))

    # SupportsKeys
    def read_keys(self, user: str, window: ReadWindow) -> list[str]:
        return [row["sk"]["S"] for row in self._query(user, window, "#s", consistent=False)]

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
    def _count(self, user: str, item_ids: list[str]) -> None:
        if self.counters.count_items(user, item_ids) and self.max_length:
            self._trim(user, self.counters.total(user) - self.max_length)

    def _count_marked(self, received: dict[str, list[str]], mark: BatchMark) -> None:
        """Counts in the writer's own rows: one BatchGetItem per 100 users, one put per 25."""
        users = list(received)
        loaded: dict[str, Tally] = {}
        for part in call_all_chunks(
            lambda group: self.counters.load_tallies(group, mark.writer), users, GET_BATCH
        ):
            loaded.update(part)
        changed: dict[str, Tally] = {}
        for user, ids in received.items():
            tally, new = count_batch(loaded[user], mark.position, ids)
            if new:
                changed[user] = tally
        if self.max_length:
            over = list(changed)
            calls = [partial(self._trim_marked, u, loaded[u], changed[u]) for u in over]
            changed = dict(zip(over, call_all("feeds", WORKERS, calls), strict=True))
        puts = self.counters.save_tallies(changed, mark.writer)
        table = self.counters.table
        run_all(lambda batch: self.batcher.write(table, batch), puts)

    def _trim_marked(self, user: str, before: Tally, after: Tally) -> Tally:
        """Trim ``user`` to the maximum; the writer's row takes the deletions."""
        excess = self.counters.total(user) - before.count + after.count - self.max_length
        deleted = self._delete_oldest(user, excess)
        return Tally(after.count - deleted, after.through, after.guard)

    def _trim(self, user: str, excess: int) -> None:
        """Delete the ``excess`` oldest rows: one short Query from the old end, no scan.

        Deletes are single conditional-free DeleteItems returning the old row,
        so two concurrent trimmers that pick the same row decrement the counter
        once between them.
        """
        self.counters.add(user, -self._delete_oldest(user, excess))

    def _delete_oldest(self, user: str, excess: int) -> int:
        """Delete up to ``excess`` oldest rows; how many this call really removed."""
        if excess <= 0:
            return 0
        window = ReadWindow(limit=excess, newest_first=False)
        oldest = [row["sk"]["S"] for row in self._query(user, window, "#s", consistent=True)]
        return sum(1 for key in oldest if self._delete_row(user, key))

    def _delete_row(self, user: str, key: str) -> bool:
        response = self.client.delete_item(
            TableName=self.rows_table,
            Key={"user_id": {"S": user}, "sk": {"S": key}},
            ReturnValues="ALL_OLD",
        )
        return bool(response.get("Attributes"))

    def _query(
        self, user: str, window: ReadWindow, projection: str | None, *, consistent: bool
    ) -> list[RawItem]:
        """Rows in the window. Pages read eventually consistent (half the RCU); a trim
        reads strongly, so it sees the rows just written."""
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
            "ConsistentRead": consistent,
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
