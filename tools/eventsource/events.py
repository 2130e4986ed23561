"""Lambda's side of a Kinesis event source mapping, as data: events, responses, failures.

The local runner must hand the handler exactly what Lambda would (base64
data, real sequence numbers, ``eventID`` = ``shard:sequence``, the stream's
ARN), read its answer the way Lambda does (``batchItemFailures``: retry from
the lowest failed sequence number; an unknown or empty identifier fails the
whole batch) and, when retries run out, describe the batch on the on-failure
destination in Lambda's own format. Keeping that here, free of I/O, lets it be
checked record by record.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

KinesisRecord = Mapping[str, Any]  # one record as GetRecords returns it


@dataclass
class LocalContext:
    """The Lambda context object's fields that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 1024
    timeout_s: float = 300.0
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def arrival_seconds(record: KinesisRecord) -> float:
    stamp = record.get("ApproximateArrivalTimestamp")
    if isinstance(stamp, datetime):
        return stamp.timestamp()
    return float(stamp) if isinstance(stamp, int | float) else time.time()


def lambda_event(
    records: Sequence[KinesisRecord], *, shard_id: str, stream_arn: str, region: str
) -> dict[str, Any]:
    """The ``{"Records": [...]}`` event Lambda would send for ``records``."""
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": record["PartitionKey"],
                    "sequenceNumber": record["SequenceNumber"],
                    "data": base64.b64encode(record["Data"]).decode(),
                    "approximateArrivalTimestamp": arrival_seconds(record),
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{shard_id}:{record['SequenceNumber']}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": "arn:aws:iam::000000000000:role/streamfeed-consumer-local",
                "awsRegion": region,
                "eventSourceARN": stream_arn,
            }
            for record in records
        ]
    }


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one invocation went: the first ``done`` records of the batch are finished."""

    done: int
    error: str | None = None
    #: The function raised (as opposed to reporting failed items).
    function_error: bool = False


def outcome(batch: Sequence[KinesisRecord], response: object) -> Outcome:
    """Read a handler's response as Lambda does with ReportBatchItemFailures on."""
    if not isinstance(response, Mapping) or not response.get("batchItemFailures"):
        return Outcome(len(batch))
    failures = response["batchItemFailures"]
    positions = {str(r["SequenceNumber"]): i for i, r in enumerate(batch)}
    found: list[int] = []
    for failure in failures if isinstance(failures, list) else [None]:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not identifier or str(identifier) not in positions:
            # Lambda's rule: a failure it cannot place fails the whole batch.
            return Outcome(0, f"invalid batchItemFailures entry {failure!r}")
        found.append(positions[str(identifier)])
    first = min(found)
    return Outcome(first, f"handler reported {len(found)} failed record(s)")


def on_failure_message(
    batch: Sequence[KinesisRecord],
    *,
    shard_id: str,
    stream_arn: str,
    function_arn: str,
    invocations: int,
    error: str | None,
    function_error: bool,
) -> dict[str, Any]:
    """Lambda's on-failure record for a batch whose retries ran out (plus the error)."""
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": invocations,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled" if function_error else None,
        },
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "KinesisBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": batch[0]["SequenceNumber"],
            "endSequenceNumber": batch[-1]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _iso(arrival_seconds(batch[0])),
            "approximateArrivalOfLastRecord": _iso(arrival_seconds(batch[-1])),
            "batchSize": len(batch),
            "streamArn": stream_arn,
        },
        # Not in Lambda's record (it keeps the error in the function's logs).
        "source": "streamfeed-consume-runner",
        "error": (error or "")[:4000],
    }


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
