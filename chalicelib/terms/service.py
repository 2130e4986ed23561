"""Terms: the filter rules users subscribe to. Used by the API and the CLI alike.

A term's id is derived from its normalised value (see ``normalize``), so
creating one is a single conditional put: duplicates, even concurrent ones,
come back as :class:`DuplicateTerm`. The streamer owns the sync fields
(``sync_state``, ``x_rule_id``, ``sync_error``); this module only resets
``sync_state`` to ``pending`` when the desired state changes, so the streamer
knows X no longer matches the table.

Terms leave this module as :class:`Term` values, never as rows: a caller that
could ``save()`` a row could write around the rules above.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.core.models import TermModel, bind_models
from chalicelib.core.settings import Settings
from chalicelib.terms.errors import DuplicateTerm, InvalidRule, TermNotFound, no_rule, no_term
from chalicelib.terms.normalize import is_term_id, normalize_value, term_id_for
from chalicelib.terms.validation import CheckerSource, Validation, validate_rule
from chalicelib.terms.values import Term

#: X's cap on filtered-stream rules (Pro tier); a scan of this many is one or two pages.
MAX_TERMS: Final = 1000
_CONDITION_FAILED: Final = "ConditionalCheckFailedException"


@dataclass(frozen=True, slots=True)
class Created:
    term: Term
    validation: Validation


def _now() -> datetime:
    return datetime.now(UTC)


def list_terms(settings: Settings) -> list[Term]:
    """Every term, oldest first (a bounded scan: there are at most MAX_TERMS)."""
    model = bind_models(settings).terms
    terms = [Term.from_model(row) for row in model.scan(limit=MAX_TERMS)]
    return sorted(terms, key=lambda t: (t.created_at, t.term_id))


def get_term(settings: Settings, term_id: str) -> Term:
    return Term.from_model(_row(settings, term_id))


def _row(settings: Settings, term_id: str) -> TermModel:
    if not is_term_id(term_id):
        raise no_term(term_id)
    try:
        return bind_models(settings).terms.get(term_id, consistent_read=True)
    except DoesNotExist:
        raise no_term(term_id) from None


def find_term(settings: Settings, *, term_id: str | None = None, value: str | None = None) -> Term:
    """A term by id, or by its rule exactly as written (whitespace may differ).

    Lets a user subscribe to a rule they know without reading the admins' list
    of terms: the id is a hash of the normalised value, so this is one GetItem.
    """
    if value is None:
        return get_term(settings, term_id or "")
    canonical = normalize_value(value)
    try:
        return get_term(settings, term_id_for(canonical))
    except TermNotFound:
        raise no_rule(canonical) from None


def create_term(
    settings: Settings, value: str, checkers: CheckerSource, *, enabled: bool = True
) -> Created:
    """Validate ``value`` as an X rule and store it ``pending``; 409 on a duplicate."""
    canonical = normalize_value(value)
    if not canonical:
        raise InvalidRule("a rule must not be empty")
    term_id = term_id_for(canonical)
    model = bind_models(settings).terms
    _refuse_existing(model, term_id, canonical)
    validation = validate_rule(canonical, term_id, checkers)
    now = _now()
    term = model(
        term_id,
        value=canonical,
        tag=term_id,
        enabled=enabled,
        created_at=now,
        updated_at=now,
        sync_state="pending",
    )
    try:
        term.save(condition=model.term_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == _CONDITION_FAILED:
            raise _duplicate(term_id, canonical) from None
        raise
    return Created(Term.from_model(term), validation)


def set_enabled(settings: Settings, term_id: str, enabled: bool) -> Term:
    """Enable or disable a term; a change sends it back to ``pending`` for the streamer."""
    term = _row(settings, term_id)
    if term.enabled == enabled:
        return Term.from_model(term)
    model = bind_models(settings).terms
    actions: list[Action] = [model.enabled.set(enabled), model.updated_at.set(_now())]
    actions.append(model.sync_state.set("pending"))
    if enabled:
        actions.append(model.sync_error.remove())
    try:
        term.update(actions=actions, condition=model.term_id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == _CONDITION_FAILED:
            raise no_term(term_id) from None
        raise
    return Term.from_model(term)  # update() refreshed it with what the table now holds


def delete_term(settings: Settings, term_id: str) -> None:
    """Delete a term and every subscription to it (the streamer removes X's rule)."""
    term = _row(settings, term_id)
    models = bind_models(settings)
    try:
        term.delete(condition=models.terms.term_id.exists())
    except DeleteError as exc:
        if exc.cause_response_code == _CONDITION_FAILED:
            raise no_term(term_id) from None
        raise
    subscribers = models.subscriptions.by_term.query(term_id)
    with models.subscriptions.batch_write() as batch:
        for row in subscribers:
            batch.delete(models.subscriptions(row.user_id, term_id))


def _refuse_existing(model: type[TermModel], term_id: str, value: str) -> None:
    # Cheap early answer before asking X; the conditional put stays the real guard.
    try:
        model.get(term_id, consistent_read=True)
    except DoesNotExist:
        return
    raise _duplicate(term_id, value)


def _duplicate(term_id: str, value: str) -> DuplicateTerm:
    return DuplicateTerm(f"a term with the rule {value!r} already exists ({term_id})", term_id)
