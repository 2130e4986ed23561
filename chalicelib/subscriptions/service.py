"""Subscriptions: which terms feed which user's feed. Used by the API and the CLI.

A subscription is one row keyed (user, term); the ``by-term`` index gives the
consumer a term's subscribers for fan-out. Subscribing registers the user in
the ``users`` table (through the feeds package), so a broadcast reaches
everyone who has ever subscribed.

Subscriptions and their terms leave this module as values
(:class:`Subscription`, :class:`~chalicelib.terms.Term`), never as rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from pynamodb.exceptions import DeleteError, PutError

from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.hotterms import term_feed, term_spans
from chalicelib.subscriptions.errors import SubscriptionLimit, SubscriptionNotFound
from chalicelib.subscriptions.values import Subscription
from chalicelib.terms import Term, get_term, no_term
from chalicelib.userids import check_user_id

MAX_SUBSCRIPTIONS: Final = 100
_CONDITION_FAILED: Final = "ConditionalCheckFailedException"

#: Makes users known to broadcast (``Feeds.register_users``).
Registrar = Callable[[Iterable[str]], None]


@dataclass(frozen=True, slots=True)
class Subscribed:
    subscription: Subscription
    created: bool
    #: The term subscribed to: users see its rule here, not in the admins' term list.
    term: Term


@dataclass(frozen=True, slots=True)
class Listed:
    subscription: Subscription
    #: None when the term was deleted between the two reads.
    term: Term | None


def list_subscriptions(settings: Settings, user_id: str) -> list[Subscription]:
    model = bind_models(settings).subscriptions
    rows = model.query(check_user_id(user_id), consistent_read=True, limit=MAX_SUBSCRIPTIONS)
    return [Subscription.from_model(row) for row in rows]


def list_with_terms(settings: Settings, user_id: str) -> list[Listed]:
    """A user's subscriptions with their terms, read in one batch rather than one by one."""
    rows = list_subscriptions(settings, user_id)
    model = bind_models(settings).terms
    ids = [row.term_id for row in rows]
    found = {t.term_id: Term.from_model(t) for t in model.batch_get(ids)} if ids else {}
    return [Listed(row, found.get(row.term_id)) for row in rows]


def subscribe(
    settings: Settings,
    user_id: str,
    term_id: str,
    register: Registrar,
    feed_count: Callable[[str], int] | None = None,
    *,
    hide_disabled: bool = False,
) -> Subscribed:
    """Subscribe (idempotent: an existing subscription is returned with created=False).

    ``feed_count`` (``Feeds.own_count``) reads the term's own feed, where its
    tweets go while it is hot: what it held before is not this user's.
    ``hide_disabled`` answers a disabled term as an unknown one unless the
    user already follows it: a user must not learn of, or start following, a
    term an admin switched off (an admin acting for them may).
    """
    check_user_id(user_id)
    term = get_term(settings, term_id)  # TermNotFound for an unknown term
    model = bind_models(settings).subscriptions
    existing = model.count(user_id, model.term_id == term_id, consistent_read=True)
    if existing:
        return Subscribed(_read(settings, user_id, term_id), False, term)
    if hide_disabled and not term.enabled:
        raise no_term(term_id)
    if model.count(user_id, consistent_read=True) >= MAX_SUBSCRIPTIONS:
        raise SubscriptionLimit(f"a user may have at most {MAX_SUBSCRIPTIONS} subscriptions")
    register([user_id])
    base = feed_count(term_feed(term_id)) if feed_count is not None else 0
    row = model(user_id, term_id, created_at=datetime.now(UTC), pull_base=base)
    try:
        row.save(condition=model.user_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != _CONDITION_FAILED:
            raise
        return Subscribed(_read(settings, user_id, term_id), False, term)
    term_spans(settings).count_subscriber(term_id, +1)
    return Subscribed(Subscription.from_model(row), True, term)


def unsubscribe(settings: Settings, user_id: str, term_id: str) -> None:
    check_user_id(user_id)
    model = bind_models(settings).subscriptions
    try:
        model(user_id, term_id).delete(condition=model.user_id.exists())
    except DeleteError as exc:
        if exc.cause_response_code == _CONDITION_FAILED:
            raise SubscriptionNotFound(f"{user_id!r} is not subscribed to {term_id!r}") from None
        raise
    term_spans(settings).count_subscriber(term_id, -1)


def _read(settings: Settings, user_id: str, term_id: str) -> Subscription:
    row = bind_models(settings).subscriptions.get(user_id, term_id, consistent_read=True)
    return Subscription.from_model(row)
