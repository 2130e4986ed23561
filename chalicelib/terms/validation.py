"""Validate a rule: X's dry run when a key set exists, the local check otherwise.

X is the authority on its own grammar, so when a key set is available its
verdict wins and the local check is skipped (it could be stricter than X). When
X cannot be asked (no key set) or does not answer, the local check stands in
and the term is created ``pending``; the streamer later records X's verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from chalicelib.terms.errors import InvalidRule
from chalicelib.terms.normalize import MAX_RULE_LENGTH
from chalicelib.terms.syntax import check_rule
from chalicelib.terms.xrules import RuleChecker, XUnavailable

Method = Literal["x_dry_run", "syntax_check"]


@dataclass(frozen=True, slots=True)
class Validation:
    """How a rule was validated, and why X was not asked when it was not."""

    method: Method
    note: str | None = None


#: Returns a checker bound to a key set, or None (with the reason) when there is none.
CheckerSource = Callable[[], tuple[RuleChecker | None, str | None]]


def validate_rule(value: str, tag: str, checkers: CheckerSource) -> Validation:
    """Raise InvalidRule / RuleRejected, or say how the rule passed."""
    if not value or len(value) > MAX_RULE_LENGTH:
        raise InvalidRule(f"a rule must be 1-{MAX_RULE_LENGTH} characters")
    checker, reason = checkers()
    if checker is not None:
        try:
            checker.dry_run(value, tag)
            return Validation("x_dry_run")
        except XUnavailable as exc:
            reason = f"X dry run unavailable: {exc}"
    check_rule(value)
    return Validation("syntax_check", reason)
