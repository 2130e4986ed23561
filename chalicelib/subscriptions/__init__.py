"""Users' subscriptions to terms: list, subscribe, unsubscribe."""

from chalicelib.subscriptions.errors import InvalidUser, SubscriptionLimit, SubscriptionNotFound
from chalicelib.subscriptions.service import (
    MAX_SUBSCRIPTIONS,
    Listed,
    Registrar,
    Subscribed,
    list_subscriptions,
    list_with_terms,
    subscribe,
    unsubscribe,
)
from chalicelib.subscriptions.values import Subscription
from chalicelib.userids import USER_ID_PATTERN, check_user_id

__all__ = [
    "MAX_SUBSCRIPTIONS",
    "USER_ID_PATTERN",
    "InvalidUser",
    "Listed",
    "Registrar",
    "Subscribed",
    "Subscription",
    "SubscriptionLimit",
    "SubscriptionNotFound",
    "check_user_id",
    "list_subscriptions",
    "list_with_terms",
    "subscribe",
    "unsubscribe",
]
