"""What the subscriptions service raises."""

from __future__ import annotations

from chalicelib.core.errors import Conflict, NotFound
from chalicelib.userids import InvalidUser


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"


class SubscriptionLimit(Conflict):
    code = "subscription_limit"


__all__ = ["InvalidUser", "SubscriptionLimit", "SubscriptionNotFound"]
