"""The Kinesis handler: Powertools batch processing around :class:`Consumer`.

Records are processed in order. When one fails, the rest of the batch is not
attempted (Lambda retries from the lowest failed sequence number anyway, and
storing later tweets first would only be redone), and every record from the
failed one on is reported in ``batchItemFailures``. A record that fails
``record_max_attempts`` times goes to the dead-letter queue with its error and
counts as done, so it cannot hold its shard back.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import (
    KinesisStreamRecord,
)

from chalicelib.consumer import runtime
from chalicelib.consumer.quarantine import RecordRef, dead_letter
from chalicelib.consumer.service import Consumer
from chalicelib.consumer.subscribers import SubscriberLookup
from chalicelib.consumer.telemetry import Counts, logger, publish


class SkippedAfterFailure(RuntimeError):
    """Not attempted: an earlier record of the batch failed, so Lambda retries from there."""


def handle_event(
    event: dict[str, Any], context: Any, consumer: Consumer | None = None
) -> PartialItemFailureResponse:
    """Process one Lambda Kinesis event; the response lists the records to retry."""
    consumer = consumer if consumer is not None else runtime.current()
    invocation = Invocation(consumer, consumer.new_lookup())
    processor = BatchProcessor(
        event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False
    )
    try:
        return process_partial_response(
            event=event, record_handler=invocation.record, processor=processor, context=context
        )
    finally:
        publish(consumer.settings, invocation.counts)
        _add_totals(consumer, event, invocation.counts)
        logger.info(
            "batch done",
            extra={
                "records": len(event.get("Records", ())),
                "failed": invocation.failed_at,
                "stored": invocation.counts.tweets_stored,
                "duplicates": invocation.counts.duplicates_skipped,
                "feed_items": invocation.counts.feed_items_written,
                "quarantined": invocation.counts.records_quarantined,
            },
        )


def _add_totals(consumer: Consumer, event: dict[str, Any], counts: Counts) -> None:
    """Add to the status totals; a failure here costs a count, never the batch."""
    records = event.get("Records") or [{}]
    shard_id = str(records[0].get("eventID", "unknown")).split(":", 1)[0]
    try:
        consumer.totals.add(shard_id, counts)
    except Exception:  # noqa: BLE001 - the tweets are stored; only the total is short
        logger.exception("could not add to the consumer totals")


@dataclass
class Invocation:
    """The state of one batch: counts, the subscriber cache, the first failure."""

    consumer: Consumer
    lookup: SubscriberLookup
    counts: Counts = field(default_factory=Counts)
    #: Sequence number of the record that failed (then the rest are skipped).
    failed_at: str | None = None

    def record(self, record: KinesisStreamRecord) -> None:
        if self.failed_at is not None:
            raise SkippedAfterFailure(f"record {self.failed_at} failed before this one")
        ref = record_ref(record)
        data = record_data(record)
        try:
            self.consumer.process_record(data, ref, self.lookup, self.counts)
        except Exception as exc:
            if not self._give_up(ref, data, exc):
                self.failed_at = ref.sequence_number
                raise

    def _give_up(self, ref: RecordRef, data: bytes, exc: Exception) -> bool:
        """Count the failure; at the limit, quarantine the record. True if it is done."""
        error = f"{type(exc).__name__}: {exc}"
        consumer = self.consumer
        try:
            attempts = consumer.attempts.failed(ref.shard_id, ref.sequence_number, error)
        except Exception:  # noqa: BLE001 - an outage is not poison: just fail the record
            logger.exception("record failed; its attempt count could not be saved either")
            return False
        limit = consumer.mapping.record_max_attempts
        if attempts < limit:
            logger.warning(
                "record failed; it will be retried",
                extra={"shard": ref.shard_id, "sequence": ref.sequence_number, "attempt": attempts},
                exc_info=exc,
            )
            return False
        try:
            letter = dead_letter("failed-record", ref, error, data, attempts=attempts)
            consumer.dead_letters.send(letter)
        except Exception:  # noqa: BLE001 - keep the record in the stream rather than lose it
            logger.exception("record failed for good, and the dead-letter queue refused it")
            return False
        self.counts.records_quarantined += 1
        logger.error(
            "record failed %d times; sent to the dead-letter queue",
            attempts,
            extra={"shard": ref.shard_id, "sequence": ref.sequence_number},
            exc_info=exc,
        )
        return True


def record_ref(record: KinesisStreamRecord) -> RecordRef:
    kinesis = record.kinesis
    return RecordRef(
        stream_arn=record.event_source_arn,
        shard_id=record.event_id.split(":", 1)[0],
        sequence_number=kinesis.sequence_number,
        partition_key=kinesis.partition_key,
        arrived_at=kinesis.approximate_arrival_timestamp,
    )


def record_data(record: KinesisStreamRecord) -> bytes:
    """The record's bytes; undecodable base64 is passed on raw (and will be quarantined)."""
    try:
        return record.kinesis.data_as_bytes()
    except (binascii.Error, ValueError):
        return record.kinesis.data.encode()
