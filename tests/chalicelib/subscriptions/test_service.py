"""The subscriptions service called directly (not over HTTP), on the local cloud.

Subscriptions and the terms they join leave the service as frozen values
(``Subscription``, ``Term``), never PynamoDB rows; these tests compare them
with what a fresh read finds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import pytest
from pynamodb.models import Model

from chalicelib import subscriptions, terms
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.hotterms import term_feed
from chalicelib.subscriptions import (
    InvalidUser,
    Listed,
    Subscription,
    SubscriptionLimit,
    SubscriptionNotFound,
)
from chalicelib.subscriptions import service as subscriptions_service
from chalicelib.terms import Term, TermNotFound


class Registrar:
    """Records whom ``subscribe`` made known to broadcast."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, users: Iterable[str]) -> None:
        self.calls.append(list(users))


def add_term(settings: Settings, value: str) -> Term:
    return terms.create_term(settings, value, lambda: (None, "test")).term


def test_subscribe_returns_values_and_registers_the_user(stage: Settings) -> None:
    term = add_term(stage, "#python")
    register = Registrar()
    result = subscriptions.subscribe(stage, "alice", term.term_id, register)
    assert result.created is True
    assert register.calls == [["alice"]]
    subscription = result.subscription
    assert type(subscription) is Subscription
    assert not isinstance(subscription, Model)
    assert (subscription.user_id, subscription.term_id) == ("alice", term.term_id)
    assert subscription.created_at.utcoffset() == timedelta(0)
    assert type(result.term) is Term
    assert result.term == term  # the term as it was read before subscribing
    assert subscriptions.list_subscriptions(stage, "alice") == [subscription]
    assert terms.get_term(stage, term.term_id).subscribers == 1


def test_subscribing_again_returns_the_stored_subscription(stage: Settings) -> None:
    term = add_term(stage, "#python")
    register = Registrar()
    first = subscriptions.subscribe(stage, "alice", term.term_id, register)
    again = subscriptions.subscribe(stage, "alice", term.term_id, register)
    assert again.created is False
    assert again.subscription == first.subscription
    assert register.calls == [["alice"]]
    assert terms.get_term(stage, term.term_id).subscribers == 1


def test_subscribe_to_an_unknown_term_is_not_found_and_stores_nothing(stage: Settings) -> None:
    register = Registrar()
    with pytest.raises(TermNotFound):
        subscriptions.subscribe(stage, "alice", terms.term_id_for("#nobody"), register)
    assert register.calls == []
    assert subscriptions.list_subscriptions(stage, "alice") == []


def test_a_malformed_user_id_is_refused(stage: Settings) -> None:
    term = add_term(stage, "#python")
    with pytest.raises(InvalidUser):
        subscriptions.subscribe(stage, "not a user", term.term_id, Registrar())
    with pytest.raises(InvalidUser):
        subscriptions.list_subscriptions(stage, "not a user")


def test_subscribe_records_the_term_feeds_count_as_the_users_base(stage: Settings) -> None:
    term = add_term(stage, "#python")
    asked: list[str] = []

    def feed_count(feed: str) -> int:
        asked.append(feed)
        return 7

    subscriptions.subscribe(stage, "alice", term.term_id, Registrar(), feed_count)
    assert asked == [term_feed(term.term_id)]
    row = bind_models(stage).subscriptions.get("alice", term.term_id, consistent_read=True)
    assert row.pull_base == 7


def test_unsubscribe_removes_it_and_a_second_time_is_not_found(stage: Settings) -> None:
    python = add_term(stage, "#python")
    rust = add_term(stage, "#rust")
    for term in (python, rust):
        subscriptions.subscribe(stage, "alice", term.term_id, Registrar())
    subscriptions.unsubscribe(stage, "alice", python.term_id)
    assert [s.term_id for s in subscriptions.list_subscriptions(stage, "alice")] == [rust.term_id]
    assert terms.get_term(stage, python.term_id).subscribers == 0
    with pytest.raises(SubscriptionNotFound):
        subscriptions.unsubscribe(stage, "alice", python.term_id)
    assert terms.get_term(stage, python.term_id).subscribers == 0


def test_list_with_terms_joins_each_subscription_with_its_term_value(stage: Settings) -> None:
    python = add_term(stage, "#python")
    rust = add_term(stage, "#rust")
    made = {
        t.term_id: subscriptions.subscribe(stage, "alice", t.term_id, Registrar()).subscription
        for t in (python, rust)
    }
    subscriptions.subscribe(stage, "bob", python.term_id, Registrar())
    listed = subscriptions.list_with_terms(stage, "alice")
    assert all(type(item) is Listed for item in listed)
    assert {item.subscription.term_id: item.subscription for item in listed} == made
    for item in listed:
        assert type(item.term) is Term
        assert item.term == terms.get_term(stage, item.subscription.term_id)
    assert subscriptions.list_with_terms(stage, "carol") == []


def test_list_with_terms_gives_none_for_a_term_deleted_meanwhile(stage: Settings) -> None:
    python = add_term(stage, "#python")
    rust = add_term(stage, "#rust")
    for term in (python, rust):
        subscriptions.subscribe(stage, "alice", term.term_id, Registrar())
    # Only the term row goes (``delete_term`` would take the subscriptions too).
    bind_models(stage).terms.get(rust.term_id).delete()
    joined = {
        item.subscription.term_id: item.term
        for item in subscriptions.list_with_terms(stage, "alice")
    }
    assert joined == {
        python.term_id: terms.get_term(stage, python.term_id),
        rust.term_id: None,
    }


def test_a_user_at_the_limit_cannot_subscribe_to_more(
    stage: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subscriptions_service, "MAX_SUBSCRIPTIONS", 2)
    ids = [add_term(stage, f"#tag{n}").term_id for n in range(3)]
    for term_id in ids[:2]:
        subscriptions.subscribe(stage, "alice", term_id, Registrar())
    with pytest.raises(SubscriptionLimit):
        subscriptions.subscribe(stage, "alice", ids[2], Registrar())
    # Subscribing again to one already held is still fine at the limit.
    assert subscriptions.subscribe(stage, "alice", ids[0], Registrar()).created is False
    assert len(subscriptions.list_subscriptions(stage, "alice")) == 2
