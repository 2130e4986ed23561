"""One streamer per key set: a lease in DynamoDB, taken with a conditional write.

X allows one connection per app; a second gets 429 and repeated attempts risk
the account. Whoever holds the lease streams; others wait as hot standbys and
take over within one expiry when the holder stops renewing.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from chalicelib.core.models import ControlRecord


def new_holder() -> str:
    """This process's name as a lease holder: the host, and a random part for two on one host."""
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Lease:
    model: type[ControlRecord]
    key_set: str
    holder: str
    ttl: float
    clock: Callable[[], float] = time.time

    @property
    def sk(self) -> str:
        return f"lease#{self.key_set}"

    def acquire(self) -> bool:
        """Take or renew the lease; False if someone else holds a live one."""
        now = self.clock()
        model = self.model
        record = model(
            "streamer",
            sk=self.sk,
            holder=self.holder,
            lease_until=now + self.ttl,
            updated_at=datetime.fromtimestamp(now, UTC),
            data={"holder": self.holder},
        )
        condition = (
            model.pk.does_not_exist() | (model.lease_until < now) | (model.holder == self.holder)
        )
        try:
            record.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def current_holder(self) -> str | None:
        try:
            record = self.model.get("streamer", self.sk, consistent_read=True)
        except self.model.DoesNotExist:
            return None
        if record.lease_until is None or record.lease_until < self.clock():
            return None
        return record.holder

    def last_holder(self) -> str | None:
        """Who held the lease last, live or expired: a dead holder means missed tweets."""
        try:
            return self.model.get("streamer", self.sk, consistent_read=True).holder
        except self.model.DoesNotExist:
            return None

    def release(self) -> None:
        """Let a standby take over at once instead of after expiry."""
        model = self.model
        try:
            model("streamer", sk=self.sk).delete(condition=model.holder == self.holder)
        except Exception:  # noqa: BLE001 - best effort; expiry covers it
            return
