"""A term as the service hands it out: plain, frozen values instead of a PynamoDB row.

Callers (API handlers, CLI, demo, status) only read a term. Giving them a row
would let them save or update it behind the service's back, and would tie
every caller to the storage's quirks (``subscribers`` is a float or missing,
``hot_spans`` is stored text). Those quirks are settled once, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.hotterms.spans import is_hot_text

if TYPE_CHECKING:
    from chalicelib.core.models import TermModel


@dataclass(frozen=True, slots=True)
class Term:
    """A filter term (one X rule); the sync fields are the streamer's last word on it."""

    term_id: str
    value: str
    tag: str
    enabled: bool
    #: pending (not yet sent to X), active (X holds it) or rejected (X said no).
    sync_state: str
    x_rule_id: str | None
    sync_error: str | None
    created_at: datetime
    updated_at: datetime
    subscribers: int
    #: Its tweets are pulled at read time (see ``chalicelib.hotterms``).
    hot: bool

    @classmethod
    def from_model(cls, model: TermModel) -> Term:
        return cls(
            term_id=model.term_id,
            value=model.value,
            tag=model.tag,
            enabled=bool(model.enabled),
            sync_state=model.sync_state,
            x_rule_id=model.x_rule_id,
            sync_error=model.sync_error,
            created_at=model.created_at,
            updated_at=model.updated_at,
            subscribers=int(model.subscribers or 0),
            hot=is_hot_text(model.hot_spans),
        )
