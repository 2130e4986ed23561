"""The terms service called directly (not over HTTP), on the local cloud.

What leaves the service is a frozen ``Term`` value, never a PynamoDB row, and
it says what the table holds: these tests compare the values against fresh
reads, so a conversion that drops or bends a field shows up here.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import timedelta

import pytest
from pynamodb.models import Model

from chalicelib import subscriptions, terms
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.terms import DuplicateTerm, InvalidRule, Term, TermNotFound, Validation


def no_x() -> tuple[None, str]:
    return None, "no key set in tests"


def add(settings: Settings, value: str, *, enabled: bool = True) -> Term:
    return terms.create_term(settings, value, no_x, enabled=enabled).term


def streamer_marks(settings: Settings, term_id: str, **fields: str | None) -> None:
    """Write sync fields the way the streamer does, behind the service's back."""
    model = bind_models(settings).terms
    actions = [
        getattr(model, name).set(value) if value is not None else getattr(model, name).remove()
        for name, value in fields.items()
    ]
    model.get(term_id).update(actions=actions)


def test_create_term_returns_a_term_value_with_the_stored_fields(stage: Settings) -> None:
    created = terms.create_term(stage, "  #python   lang:en ", no_x)
    term = created.term
    assert type(term) is Term
    assert not isinstance(term, Model)
    assert created.validation == Validation("syntax_check", "no key set in tests")
    term_id = terms.term_id_for("#python lang:en")
    assert (term.term_id, term.value, term.tag) == (term_id, "#python lang:en", term_id)
    assert (term.enabled, term.sync_state, term.x_rule_id, term.sync_error) == (
        True,
        "pending",
        None,
        None,
    )
    assert (term.subscribers, term.hot) == (0, False)
    assert term.created_at == term.updated_at
    assert term.created_at.utcoffset() == timedelta(0)
    # What was handed back is what the table holds.
    assert terms.get_term(stage, term_id) == term
    with pytest.raises(FrozenInstanceError):
        term.enabled = False  # type: ignore[misc]


def test_a_term_can_be_created_disabled(stage: Settings) -> None:
    term = add(stage, "#rust", enabled=False)
    assert term.enabled is False
    assert terms.get_term(stage, term.term_id).enabled is False


def test_list_terms_gives_every_term_oldest_first_as_values(stage: Settings) -> None:
    assert terms.list_terms(stage) == []
    first = add(stage, "#zebra")
    second = add(stage, "#aardvark")
    listed = terms.list_terms(stage)
    assert all(type(t) is Term for t in listed)
    assert listed == [
        terms.get_term(stage, first.term_id),
        terms.get_term(stage, second.term_id),
    ]


def test_a_duplicate_rule_is_refused_even_written_differently(stage: Settings) -> None:
    original = add(stage, "#python lang:en")
    for value in ("#python lang:en", "  #python\tlang:en  "):
        with pytest.raises(DuplicateTerm) as raised:
            add(stage, value)
        assert raised.value.term_id == original.term_id
    assert terms.list_terms(stage) == [original]


def test_an_empty_or_malformed_rule_is_invalid(stage: Settings) -> None:
    for value in ("", "   ", "(unbalanced"):
        with pytest.raises(InvalidRule):
            add(stage, value)
    assert terms.list_terms(stage) == []


def test_get_and_find_an_unknown_term_are_not_found(stage: Settings) -> None:
    unknown = terms.term_id_for("#nobody")
    for term_id in (unknown, "not-a-term-id", ""):
        with pytest.raises(TermNotFound):
            terms.get_term(stage, term_id)
    with pytest.raises(TermNotFound, match="no term with the rule '#nobody'"):
        terms.find_term(stage, value="  #nobody ")
    with pytest.raises(TermNotFound):
        terms.find_term(stage, term_id=unknown)


def test_find_term_by_id_or_by_its_rule(stage: Settings) -> None:
    term = add(stage, "#python lang:en")
    assert terms.find_term(stage, term_id=term.term_id) == term
    assert terms.find_term(stage, value="#python    lang:en") == term


def test_set_enabled_sends_a_change_back_to_pending(stage: Settings) -> None:
    term = add(stage, "#python")
    streamer_marks(stage, term.term_id, sync_state="active", x_rule_id="r-1")
    disabled = terms.set_enabled(stage, term.term_id, False)
    assert type(disabled) is Term
    assert (disabled.enabled, disabled.sync_state, disabled.x_rule_id) == (False, "pending", "r-1")
    assert disabled.updated_at >= term.updated_at
    assert disabled.created_at == term.created_at
    assert terms.get_term(stage, term.term_id) == disabled

    streamer_marks(stage, term.term_id, sync_state="rejected", sync_error="X said no")
    enabled = terms.set_enabled(stage, term.term_id, True)
    assert (enabled.enabled, enabled.sync_state, enabled.sync_error) == (True, "pending", None)
    assert terms.get_term(stage, term.term_id) == enabled


def test_set_enabled_to_the_current_state_changes_nothing(stage: Settings) -> None:
    term = add(stage, "#python")
    streamer_marks(stage, term.term_id, sync_state="active", x_rule_id="r-1")
    before = terms.get_term(stage, term.term_id)
    assert terms.set_enabled(stage, term.term_id, True) == before
    assert terms.get_term(stage, term.term_id) == before


def test_set_enabled_on_an_unknown_term_is_not_found(stage: Settings) -> None:
    with pytest.raises(TermNotFound):
        terms.set_enabled(stage, terms.term_id_for("#nobody"), False)


def test_delete_term_removes_it_and_its_subscriptions(stage: Settings) -> None:
    gone = add(stage, "#python")
    kept = add(stage, "#rust")
    for term in (gone, kept):
        subscriptions.subscribe(stage, "alice", term.term_id, lambda users: None)
    terms.delete_term(stage, gone.term_id)
    with pytest.raises(TermNotFound):
        terms.get_term(stage, gone.term_id)
    assert [t.term_id for t in terms.list_terms(stage)] == [kept.term_id]
    assert [s.term_id for s in subscriptions.list_subscriptions(stage, "alice")] == [kept.term_id]
    with pytest.raises(TermNotFound):
        terms.delete_term(stage, gone.term_id)


def test_the_value_counts_subscribers_and_says_when_the_term_is_hot(stage: Settings) -> None:
    hot_at_two = stage.model_copy(update={"hot_term_subscribers": 2, "hot_term_lead_seconds": 0.0})
    term = add(hot_at_two, "#python")
    subscriptions.subscribe(hot_at_two, "alice", term.term_id, lambda users: None)
    one = terms.get_term(hot_at_two, term.term_id)
    assert (one.subscribers, one.hot) == (1, False)
    subscriptions.subscribe(hot_at_two, "bob", term.term_id, lambda users: None)
    two = terms.get_term(hot_at_two, term.term_id)
    assert (two.subscribers, two.hot) == (2, True)
    assert terms.list_terms(hot_at_two) == [two]
