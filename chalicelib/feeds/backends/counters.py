"""Per-user item counters, kept exact when writes are retried.

``len()`` must not count rows, so each write bumps a counter row. DynamoDB has
no transactions across the batch and the counter (and dynalite has none at
all), so a retried add could count an item twice. Each counter row therefore
remembers the ids it counted most recently (``recent_ids``) and the increment
is conditional on the id not being among them: replaying a write, resuming a
broadcast or a lost UpdateItem response that botocore retries all count once.

The memory is bounded: at ``GUARD_MAX`` ids the oldest are dropped down to
``GUARD_KEEP``, so a replay is recognised as long as fewer than ``GUARD_KEEP``
newer items reached that user in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from chalicelib.models.definitions import FeedCounterModel

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GUARD_KEEP: Final = 25
GUARD_MAX: Final = 50

_COUNT = FeedCounterModel.item_count.attr_name
_RECENT = FeedCounterModel.recent_ids.attr_name
_NAMES: Final = {"#n": _COUNT, "#r": _RECENT}
_COUNT_ONCE: Final = "SET #r = list_append(if_not_exists(#r, :empty), :ids) ADD #n :one"


def is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class FeedCounters:
    """The counter rows of one backend (``feed``) in the feed-counters table."""

    def __init__(self, client: DynamoDBClient, table: str, feed: str) -> None:
        self.client = client
        self.table = table
        self.feed = feed

    def _key(self, user: str) -> dict[str, Any]:
        return {
            FeedCounterModel.user_id.attr_name: {"S": user},
            FeedCounterModel.feed.attr_name: {"S": self.feed},
        }

    def get(self, user: str) -> int:
        response = self.client.get_item(
            TableName=self.table,
            Key=self._key(user),
            ProjectionExpression="#n",
            ExpressionAttributeNames={"#n": _COUNT},
            ConsistentRead=True,
        )
        value = response.get("Item", {}).get(_COUNT, {}).get("N")
        return max(0, int(value)) if value is not None else 0

    def count_item(self, user: str, item_id: str) -> int | None:
        """Count ``item_id`` once for ``user``: the new total, or None if already counted."""
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key=self._key(user),
                UpdateExpression=_COUNT_ONCE,
                ConditionExpression="NOT contains(#r, :id)",
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues={
                    ":empty": {"L": []},
                    ":ids": {"L": [{"S": item_id}]},
                    ":id": {"S": item_id},
                    ":one": {"N": "1"},
                },
                ReturnValues="UPDATED_NEW",  # the count and the list; not the keys
            )
        except ClientError as error:
            if is_condition_failure(error):
                return None
            raise
        attributes = response["Attributes"]
        recent = attributes.get(_RECENT, {}).get("L", [])
        if len(recent) >= GUARD_MAX:
            self._forget_oldest(user, recent)
        return int(attributes[_COUNT]["N"])

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

    def _forget_oldest(self, user: str, seen: Sequence[Any]) -> None:
        """Drop all but the newest GUARD_KEEP ids, unless the list moved on meanwhile.

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
                    ":kept": {"L": list(seen[-GUARD_KEEP:])},
                    ":size": {"N": str(len(seen))},
                    ":head": seen[0],
                },
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
