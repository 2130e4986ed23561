"""Bind the model templates to one stage's tables and endpoint.

PynamoDB reads ``Meta`` when a class is defined, so a module-level ``Meta.host``
would freeze whatever endpoint was set at import time. Binding builds a
subclass per settings object instead: tests can run many isolated stages in one
process, and Lambda binds once per cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from pynamodb.indexes import Index
from pynamodb.models import Model

from chalicelib.core.models import definitions as d
from chalicelib.core.settings import Settings

M = TypeVar("M", bound=Model)


def bind(template: type[M], settings: Settings) -> type[M]:
    """A subclass of ``template`` that talks to this stage's physical table."""
    logical: str = template.Meta.table_name
    meta = type(
        "Meta",
        (),
        {
            "table_name": settings.table_name(logical),
            "region": settings.region,
            "host": settings.endpoint("dynamodb"),
            "connect_timeout_seconds": 5,
            "read_timeout_seconds": 10,
            "max_retry_attempts": 3,
        },
    )
    namespace: dict[str, Any] = {"Meta": meta, "__module__": template.__module__}
    # An index remembers the class it was declared on; give the subclass its own.
    for name, value in vars(template).items():
        if isinstance(value, Index):
            namespace[name] = type(value)()
    return type(template.__name__, (template,), namespace)


@dataclass(frozen=True)
class Models:
    """The model classes bound to one stage."""

    terms: type[d.TermModel]
    keysets: type[d.KeySetModel]
    tweets: type[d.TweetModel]
    term_tweets: type[d.TermTweetModel]
    subscriptions: type[d.SubscriptionModel]
    users: type[d.UserModel]
    control: type[d.ControlRecord]
    feed_items: type[d.FeedItemModel]
    feed_messages: type[d.FeedMessageModel]
    feed_index: type[d.FeedIndexModel]
    feed_counters: type[d.FeedCounterModel]

    def all(self) -> tuple[type[Model], ...]:
        return tuple(getattr(self, name) for name in self.__dataclass_fields__)


@lru_cache(maxsize=64)
def bind_models(settings: Settings) -> Models:
    return Models(
        terms=bind(d.TermModel, settings),
        keysets=bind(d.KeySetModel, settings),
        tweets=bind(d.TweetModel, settings),
        term_tweets=bind(d.TermTweetModel, settings),
        subscriptions=bind(d.SubscriptionModel, settings),
        users=bind(d.UserModel, settings),
        control=bind(d.ControlRecord, settings),
        feed_items=bind(d.FeedItemModel, settings),
        feed_messages=bind(d.FeedMessageModel, settings),
        feed_index=bind(d.FeedIndexModel, settings),
        feed_counters=bind(d.FeedCounterModel, settings),
    )
