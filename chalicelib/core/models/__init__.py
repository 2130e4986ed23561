"""The data model: PynamoDB item classes and their binding to a stage."""

from chalicelib.core.models.binding import Models, bind, bind_models
from chalicelib.core.models.definitions import (
    ALL_MODELS,
    ControlRecord,
    FeedIndexModel,
    FeedItemModel,
    FeedMessageModel,
    KeySetModel,
    SubscriptionModel,
    TermModel,
    TermTweetModel,
    TweetModel,
    UserModel,
)

__all__ = [
    "ALL_MODELS",
    "ControlRecord",
    "FeedIndexModel",
    "FeedItemModel",
    "FeedMessageModel",
    "KeySetModel",
    "Models",
    "SubscriptionModel",
    "TermModel",
    "TermTweetModel",
    "TweetModel",
    "UserModel",
    "bind",
    "bind_models",
]
