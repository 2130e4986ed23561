"""What the subscriptions service raises."""

from __future__ import annotations

from chalicelib.errors import Conflict, InvalidInput, NotFound


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"


class SubscriptionLimit(Conflict):
    code = "subscription_limit"


class InvalidUser(InvalidInput):
    code = "invalid_user"
