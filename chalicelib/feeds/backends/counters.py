"""Per-user item counters, kept exact when writes are retried.

``len()`` must not count rows, so writes keep counter rows in the
feed-counters table, partition ``user_id``. A user's count is the sum of:

- the shared row (``feed`` = ``fanout``), bumped by a conditional UpdateItem
  per user and add. DynamoDB has no transactions across the batch and the
  counter (and dynalite has none at all), so a retried add could count an
  item twice. The row therefore remembers the ids it counted most recently
  (``recent_ids``) and the increment is conditional on none of them being
  among them: replaying a write, resuming a broadcast or a lost UpdateItem
  response that botocore retries all count once. At ``GUARD_MAX`` ids the
  oldest are dropped down to ``GUARD_KEEP``, so a replay is recognised as
  long as fewer than ``GUARD_KEEP`` newer items reached that user in between;
- one row per batch writer (``fanout@<writer>``), read and put back whole,
  100 users per BatchGetItem and 25 per BatchWriteItem, which only that
  writer touches (the rule is in :mod:`chalicelib.feeds.tally`).

``len()`` is one Query of the user's counter rows: one row, plus one per
writer (Kinesis shard) that ever delivered to that user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from chalicelib.core.models.definitions import FeedCounterModel
from chalicelib.dynamo_batches import WRITE_BATCH, Batches, RawItem, chunks
from chalicelib.feeds.errors import FeedStoreError
from chalicelib.feeds.tally import Tally

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GUARD_KEEP: Final = 25
GUARD_MAX: Final = 50

_COUNT = FeedCounterModel.item_count.attr_name
_RECENT = FeedCounterModel.recent_ids.attr_name
_THROUGH = FeedCounterModel.through.attr_name
_GUARD = FeedCounterModel.guard.attr_name
_NAMES: Final = {"#n": _COUNT, "#r": _RECENT}
#: Ids one conditional UpdateItem checks (an expression is at most 4 KB).
CONDITION_IDS: Final = 50
COUNT_ATTEMPTS: Final = 5
#: Separates a writer's name from the backend's in ``feed``.
WRITER_SEPARATOR: Final = "@"
_COUNT_ONCE: Final = "SET #r = list_append(if_not_exists(#r, :empty), :ids) ADD #n :k"


def is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class FeedCounters:
    """The counter rows of one backend (``feed``) in the feed-counters table."""

    def __init__(self, client: DynamoDBClient, table: str, feed: str, batches: Batches) -> None:
        self.client = client
        self.table = table
        self.feed = feed
        self.batches = batches

    def _key(self, user: str, feed: str | None = None) -> dict[str, Any]:
        return {
            FeedCounterModel.user_id.attr_name: {"S": user},
            FeedCounterModel.feed.attr_name: {"S": feed or self.feed},
        }

    def get(self, user: str) -> int:
        """The user's count: every counter row of this backend, summed (one Query)."""
        return max(0, self.total(user))

    def total(self, user: str) -> int:
        """The sum of the user's counter rows (negative only while a trim is unsaved)."""
        request: Any = {
            "TableName": self.table,
            "KeyConditionExpression": "#u = :u AND begins_with(#f, :f)",
            "ProjectionExpression": "#f, #n",
            "ExpressionAttributeNames": {"#u": "user_id", "#f": "feed", "#n": _COUNT},
            "ExpressionAttributeValues": {":u": {"S": user}, ":f": {"S": self.feed}},
            "ConsistentRead": True,
        }
        total = 0
        while True:
            response = self.client.query(**request)
            for row in response.get("Items", []):
                feed = row["feed"]["S"]
                if feed == self.feed or feed.startswith(self.feed + WRITER_SEPARATOR):
                    total += int(row.get(_COUNT, {}).get("N", "0"))
            if "LastEvaluatedKey" not in response:
                return total
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def count_items(self, user: str, item_ids: Sequence[str]) -> int:
        """Count each of ``item_ids`` once for ``user`` on the shared row: how many were new.

        One conditional UpdateItem per ``CONDITION_IDS`` ids when none was
        counted before (the usual case); after a refusal, the ids already in
        ``recent_ids`` are dropped and the rest tried again.
        """
        unique = list(dict.fromkeys(item_ids))
        return sum(self._count_group(user, list(group)) for group in chunks(unique, CONDITION_IDS))

    def _count_group(self, user: str, pending: list[str]) -> int:
        for _ in range(COUNT_ATTEMPTS):
            if not pending or self._count_all(user, pending):
                return len(pending)
            response = self.client.get_item(
                TableName=self.table,
                Key=self._key(user),
                ProjectionExpression="#r",
                ExpressionAttributeNames={"#r": _RECENT},
                ConsistentRead=True,
            )
            recent = response.get("Item", {}).get(_RECENT, {}).get("L", [])
            counted = {value["S"] for value in recent}
            pending = [item_id for item_id in pending if item_id not in counted]
        raise FeedStoreError(f"could not count {len(pending)} items for {user!r}: too many races")

    def _count_all(self, user: str, item_ids: Sequence[str]) -> bool:
        values: dict[str, Any] = {
            ":empty": {"L": []},
            ":ids": {"L": [{"S": item_id} for item_id in item_ids]},
            ":k": {"N": str(len(item_ids))},
        }
        conditions = []
        for index, item_id in enumerate(item_ids):
            values[f":i{index}"] = {"S": item_id}
            conditions.append(f"NOT contains(#r, :i{index})")
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key=self._key(user),
                UpdateExpression=_COUNT_ONCE,
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues=values,
                ReturnValues="UPDATED_NEW",  # the count and the list; not the keys
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        recent = response["Attributes"].get(_RECENT, {}).get("L", [])
        if len(recent) >= GUARD_MAX:
            self._forget_oldest(user, recent, keep=max(GUARD_KEEP, len(item_ids)))
        return True

    def load_tallies(self, users: Sequence[str], writer: str) -> dict[str, Tally]:
        """The writer's rows of ``users`` (an absent row is an empty tally)."""
        feed = self._writer_feed(writer)
        found = self.batches.get(self.table, [self._key(user, feed) for user in users])
        tallies = {user: Tally() for user in users}
        for row in found:
            through = row.get(_THROUGH, {}).get("S")
            guard = row.get(_GUARD, {}).get("B", b"")
            count = int(row.get(_COUNT, {}).get("N", "0"))
            tallies[row["user_id"]["S"]] = Tally(count, through, guard)
        return tallies

    def save_tallies(self, tallies: Mapping[str, Tally], writer: str) -> list[list[RawItem]]:
        """The put batches that store ``tallies`` (25 rows each), for the caller to run."""
        feed = self._writer_feed(writer)
        rows = []
        for user, tally in tallies.items():
            row = self._key(user, feed)
            row[_COUNT] = {"N": str(tally.count)}
            if tally.through is not None:
                row[_THROUGH] = {"S": tally.through}
            if tally.guard:
                row[_GUARD] = {"B": tally.guard}
            rows.append(row)
        return [list(batch) for batch in chunks(rows, WRITE_BATCH)]

    def _writer_feed(self, writer: str) -> str:
        return f"{self.feed}{WRITER_SEPARATOR}{writer}"

    def add(self, user: str, delta: int) -> None:
        """Unguarded change, for trims (exact by construction) and bulk imports."""
        if delta:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(user),
                UpdateExpression="ADD #n :delta",
                ExpressionAttributeNames={"#n": _COUNT},
                ExpressionAttributeValues={":delta": {"N": str(delta)}},
            )

    def _forget_oldest(self, user: str, seen: Sequence[Any], keep: int = GUARD_KEEP) -> None:
        """Drop all but the newest ``keep`` ids, unless the list moved on meanwhile.

        The list only grows at the tail and shrinks at the head, so "same
        length, same head" means nobody touched it; otherwise a later writer
        will trim it. (A list equality condition would be simpler, but dynalite
        does not evaluate it.)
        """
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(user),
                UpdateExpression="SET #r = :kept",
                ConditionExpression="size(#r) = :size AND #r[0] = :head",
                ExpressionAttributeNames={"#r": _RECENT},
                ExpressionAttributeValues={
                    ":kept": {"L": list(seen[-keep:])},
                    ":size": {"N": str(len(seen))},
                    ":head": seen[0],
                },
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
