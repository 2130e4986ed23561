"""How many records wait in the consumer's dead-letter queue.

A record in the DLQ is a tweet that never reached a feed; the status report
shows the count so an operator notices before a user does. SQS only offers
approximate counts, which is all a status page needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


@dataclass(frozen=True, slots=True)
class QueueDepth:
    queue: str
    messages: int | None
    in_flight: int | None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue,
            "messages": self.messages,
            "in_flight": self.in_flight,
            "error": self.error,
        }


def queue_depth(sqs: Any, queue: str) -> QueueDepth:
    """``ApproximateNumberOfMessages`` (and in flight); a missing queue is reported, not raised."""
    try:
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if "NonExistentQueue" in code:
            return QueueDepth(queue, None, None, "the queue does not exist")
        return QueueDepth(queue, None, None, f"SQS answered {code or 'an error'}")
    except BotoCoreError as exc:
        return QueueDepth(queue, None, None, f"SQS is unreachable ({type(exc).__name__})")
    return QueueDepth(
        queue,
        int(attributes.get("ApproximateNumberOfMessages", 0)),
        int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
    )
