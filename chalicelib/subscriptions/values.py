"""A subscription as the service hands it out: a frozen value, not a PynamoDB row.

Only the key and when it was made: ``pull_base`` (the term feed's count when
subscribing) is the hot-term readers' bookkeeping, read straight from the
table by ``chalicelib.hotterms.pulls``; no caller of the service needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.core.models import SubscriptionModel


@dataclass(frozen=True, slots=True)
class Subscription:
    """User ``user_id`` follows term ``term_id``: its tweets land in the user's feed."""

    user_id: str
    term_id: str
    created_at: datetime

    @classmethod
    def from_model(cls, model: SubscriptionModel) -> Subscription:
        return cls(user_id=model.user_id, term_id=model.term_id, created_at=model.created_at)
