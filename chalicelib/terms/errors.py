"""What the terms service raises (see ``chalicelib.core.errors`` for the families)."""

from __future__ import annotations

from chalicelib.core.errors import Conflict, InvalidInput, NotFound, Rejected


class TermNotFound(NotFound):
    code = "term_not_found"


def no_term(term_id: str) -> TermNotFound:
    """The one answer for a term id that does not exist, or that the caller may not see.

    One function so the two cannot drift apart: a caller probing ids must not
    tell a hidden term from a missing one by its wording.
    """
    return TermNotFound(f"no term {term_id!r}")


def no_rule(canonical: str) -> TermNotFound:
    """As :func:`no_term`, for a term named by its (normalised) rule."""
    return TermNotFound(f"no term with the rule {canonical!r}")


class DuplicateTerm(Conflict):
    code = "duplicate_term"

    def __init__(self, message: str, term_id: str) -> None:
        super().__init__(message)
        self.term_id = term_id


class InvalidRule(InvalidInput):
    """The local syntax check refused the rule (X was not asked)."""

    code = "invalid_rule"


class RuleRejected(Rejected):
    """X refused the rule in a dry run; the message is X's."""

    code = "rejected_by_x"
