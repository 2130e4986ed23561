"""Per-shard checkpoints of the local runner, in the ``control`` table.

A checkpoint is the sequence number of the last record the handler finished
(or that went to the dead-letter queue), saved after every batch. A restart
reads from just after it: nothing is replayed and nothing is skipped. Lambda
keeps the same bookkeeping inside the event source mapping; locally it lives
next to the data, so it survives ``local up`` restarts with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist

from chalicelib.core.models import ControlRecord, bind_models
from chalicelib.core.settings import Settings


@dataclass(frozen=True, slots=True)
class Checkpoint:
    #: The last finished sequence number (None: nothing finished yet).
    sequence: str | None
    #: The shard was closed (resharded) and read to its end.
    closed: bool = False


class Checkpoints:
    """Checkpoints of one stream: ``pk = checkpoint#<stream>``, ``sk = <shard id>``."""

    def __init__(self, settings: Settings, stream: str) -> None:
        self.model: type[ControlRecord] = bind_models(settings).control
        self.pk = f"checkpoint#{stream}"

    def load(self, shard_id: str) -> Checkpoint:
        try:
            row = self.model.get(self.pk, shard_id, consistent_read=True)
        except DoesNotExist:
            return Checkpoint(None)
        data = row.data if isinstance(row.data, dict) else {}
        sequence = data.get("sequence")
        return Checkpoint(str(sequence) if sequence else None, bool(data.get("closed")))

    def save(self, shard_id: str, checkpoint: Checkpoint) -> None:
        self.model(
            self.pk,
            shard_id,
            data={"sequence": checkpoint.sequence, "closed": checkpoint.closed},
            updated_at=datetime.now(UTC),
        ).save()

    def all(self) -> dict[str, Checkpoint]:
        """Every shard's checkpoint (for status and tests)."""
        out: dict[str, Checkpoint] = {}
        for row in self.model.query(self.pk, consistent_read=True):
            data = row.data if isinstance(row.data, dict) else {}
            sequence = data.get("sequence")
            out[row.sk] = Checkpoint(str(sequence) if sequence else None, bool(data.get("closed")))
        return out
