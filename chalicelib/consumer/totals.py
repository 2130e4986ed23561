"""Running totals of what the consumer stored, for the status report.

DynamoDB's ``ItemCount`` is refreshed about every six hours (and dynalite never
updates it), so a total read from the table would contradict the live rates
beside it. One ``ADD`` per invocation keeps exact totals for a small write per
batch. Rows are per shard (one partition key, sort key = shard id) so that
concurrent invocations do not contend for one item; a reader sums them with
one Query. Counts are the committed ones of :class:`Counts`, so a redelivered
batch adds nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from chalicelib.consumer.telemetry import Counts

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PARTITION: Final = "consumer-totals"


@dataclass(frozen=True)
class AllTimeTotals:
    tweets_stored: int = 0
    feed_items_written: int = 0


@dataclass
class ConsumerTotals:
    client: DynamoDBClient
    control_table: str

    def add(self, shard_id: str, counts: Counts) -> None:
        if not (counts.tweets_stored or counts.feed_items_written):
            return
        self.client.update_item(
            TableName=self.control_table,
            Key={"pk": {"S": PARTITION}, "sk": {"S": shard_id}},
            UpdateExpression="ADD tweets_stored :stored, feed_items_written :items",
            ExpressionAttributeValues={
                ":stored": {"N": str(counts.tweets_stored)},
                ":items": {"N": str(counts.feed_items_written)},
            },
        )

    def read(self) -> AllTimeTotals:
        stored = items = 0
        request: Any = {
            "TableName": self.control_table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": PARTITION}},
        }
        for page in self.client.get_paginator("query").paginate(**request):
            for row in page["Items"]:
                stored += int(row.get("tweets_stored", {}).get("N", "0"))
                items += int(row.get("feed_items_written", {}).get("N", "0"))
        return AllTimeTotals(stored, items)
