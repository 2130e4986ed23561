"""The dead-letter queue: what the consumer could not store, with enough to act on it.

A message names where the record is (stream, shard, sequence number, and the
line's index for one bad line), why it was set aside, and carries the data
itself (base64) when it fits, so it can be inspected or replayed even after the
stream has dropped the record. SQS takes at most 256 KB per message; bigger
data is left out (``dataOmitted``) and stays readable in the stream for its
retention period through the shard and sequence number.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

#: Data bigger than this is not copied into the message (SQS's cap is 256 KB).
MAX_DATA_BYTES: Final = 160 * 1024

Reason = Literal["undecodable-record", "bad-line", "failed-record"]


@dataclass(frozen=True, slots=True)
class RecordRef:
    """Where a Kinesis record is."""

    stream_arn: str
    shard_id: str
    sequence_number: str
    partition_key: str | None = None
    arrived_at: float | None = None


def dead_letter(
    reason: Reason,
    ref: RecordRef,
    error: str,
    data: bytes,
    *,
    line_index: int | None = None,
    attempts: int | None = None,
) -> dict[str, Any]:
    """The message body for one quarantined record or line."""
    body: dict[str, Any] = {
        "source": "streamfeed-consumer",
        "reason": reason,
        "error": error[:4000],
        "eventSourceARN": ref.stream_arn,
        "shardId": ref.shard_id,
        "sequenceNumber": ref.sequence_number,
        "partitionKey": ref.partition_key,
        "approximateArrivalTimestamp": ref.arrived_at,
        "lineIndex": line_index,
        "attempts": attempts,
        "dataBytes": len(data),
        "quarantinedAt": datetime.now(UTC).isoformat(),
    }
    if len(data) <= MAX_DATA_BYTES:
        body["data"] = base64.b64encode(data).decode()
    else:
        body["dataOmitted"] = True
    return body


@dataclass
class DeadLetterQueue:
    """Sends dead letters to the stage's SQS queue (its URL is looked up once)."""

    client: SQSClient
    queue_name: str
    _url: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        with self._lock:
            if self._url is None:
                self._url = self.client.get_queue_url(QueueName=self.queue_name)["QueueUrl"]
            return self._url

    def send(self, body: dict[str, Any]) -> None:
        """Send one message; raises if SQS refuses it, so the record is retried instead."""
        self.client.send_message(QueueUrl=self.url, MessageBody=json.dumps(body))
