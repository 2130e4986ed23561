"""Users' subscriptions to terms: list, subscribe, unsubscribe."""

from chalicelib.subscriptions.errors import InvalidUser, SubscriptionLimit, SubscriptionNotFound
from chalicelib.subscriptions.service import (
    MAX_SUBSCRIPTIONS,
    USER_ID_PATTERN,
    Registrar,
    Subscribed,
    check_user_id,
    list_subscriptions,
    subscribe,
    unsubscribe,
)

__all__ = [
    "MAX_SUBSCRIPTIONS",
    "USER_ID_PATTERN",
    "InvalidUser",
    "Registrar",
    "Subscribed",
    "SubscriptionLimit",
    "SubscriptionNotFound",
    "check_user_id",
    "list_subscriptions",
    "subscribe",
    "unsubscribe",
]
