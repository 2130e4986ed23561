"""Terms (admin): list, read, create, enable/disable, delete.

Users never list terms: they subscribe by a term's id or rule and see the
rules they follow in their own subscriptions (``handlers.users``).
"""

from __future__ import annotations

from chalicelib import terms
from chalicelib.api.call import Call, Reply
from chalicelib.api.schemas.terms import Term, TermCreate, TermCreated, TermList, TermUpdate
from chalicelib.api.schemas.terms import Validation as ValidationOut


def present(term: terms.Term) -> Term:
    return Term(
        term_id=term.term_id,
        value=term.value,
        tag=term.tag,
        enabled=term.enabled,
        sync_state=term.sync_state,
        x_rule_id=term.x_rule_id,
        sync_error=term.sync_error,
        created_at=term.created_at,
        updated_at=term.updated_at,
        subscribers=term.subscribers,
        hot=term.hot,
    )


def list_terms(call: Call) -> Reply[TermList]:
    items = [present(t) for t in terms.list_terms(call.runtime.settings)]
    return Reply(TermList(items=items))


def create_term(call: Call) -> Reply[TermCreated]:
    body = call.body_as(TermCreate)
    created = terms.create_term(
        call.runtime.settings, body.value, call.runtime.rule_checker, enabled=body.enabled
    )
    validation = ValidationOut(method=created.validation.method, note=created.validation.note)
    out = TermCreated(**present(created.term).model_dump(), validation=validation)
    return Reply(out, 201, {"Location": f"/terms/{created.term.term_id}"})


def get_term(call: Call) -> Reply[Term]:
    return Reply(present(terms.get_term(call.runtime.settings, call.path["term_id"])))


def update_term(call: Call) -> Reply[Term]:
    body = call.body_as(TermUpdate)
    term = terms.set_enabled(call.runtime.settings, call.path["term_id"], body.enabled)
    return Reply(present(term))


def delete_term(call: Call) -> Reply[Term]:
    terms.delete_term(call.runtime.settings, call.path["term_id"])
    return Reply(None, 204)
