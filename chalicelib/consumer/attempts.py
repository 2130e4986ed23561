"""Count the failed tries of each Kinesis record, so a poison record is set aside.

Lambda retries a failed record for as long as the event source mapping allows
and then sends only its coordinates to the on-failure destination. The handler
counts failures per (stream, shard, sequence number) in the ``control`` table
instead, and at ``record_max_attempts`` sends the record itself, with its
error, to the dead-letter queue and reports it done, so one bad record cannot
hold its shard back. If the count cannot be written (DynamoDB is down), the
record simply fails again: an outage is not a poison record.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from chalicelib.core.times import model_time

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: Counts expire (TTL) after a week: longer than any stream keeps a record.
KEEP_SECONDS: Final = 7 * 24 * 3600


@dataclass
class AttemptCounter:
    client: DynamoDBClient
    control_table: str
    stream: str

    def failed(self, shard_id: str, sequence_number: str, error: str) -> int:
        """Note one more failure of the record; returns how many it has had."""
        now = datetime.now(UTC)
        request: Any = {
            "TableName": self.control_table,
            "Key": {
                "pk": {"S": f"attempts#{self.stream}"},
                "sk": {"S": f"{shard_id}#{sequence_number}"},
            },
            "UpdateExpression": (
                "ADD version :one SET #data = :data, updated_at = :now, expires_at = :ttl"
            ),
            "ExpressionAttributeNames": {"#data": "data"},
            "ExpressionAttributeValues": {
                ":one": {"N": "1"},
                ":data": {"S": json.dumps({"error": error[:1000]})},
                ":now": {"S": model_time(now)},
                ":ttl": {"N": str(int(time.time()) + KEEP_SECONDS)},
            },
            "ReturnValues": "UPDATED_NEW",
        }
        response = self.client.update_item(**request)
        return int(response["Attributes"]["version"]["N"])
