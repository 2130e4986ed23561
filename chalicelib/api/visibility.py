"""What a caller may learn about terms: every term, or only the ones they follow.

A stored tweet names the terms it matched twice: in ``term_ids``, and in the
``matching_rules`` of the stream line X sent (each rule's ``tag`` is a term
id). A term's timeline names one more. An admin may keep a term hidden (users
only learn of it by its rule) or disabled, so for a caller who does not see
every term (:func:`~chalicelib.api.access.sees_every_term`) each of these is
cut down to the terms they subscribe to, and a term they cannot see is
answered exactly as one that does not exist: probing ids tells them nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib import subscriptions
from chalicelib.api.access import sees_every_term
from chalicelib.auth import Principal
from chalicelib.core.settings import Settings
from chalicelib.terms import no_term


@dataclass(frozen=True, slots=True)
class TermView:
    """The terms one caller may see: ``None`` for every term, else their subscriptions."""

    own: frozenset[str] | None

    def shows(self, term_id: str) -> bool:
        return self.own is None or term_id in self.own

    def require(self, term_id: str) -> None:
        """404 for a term the caller cannot see, worded as for a missing one."""
        if not self.shows(term_id):
            raise no_term(term_id)

    def term_ids(self, ids: Iterable[str]) -> list[str]:
        return sorted(term_id for term_id in ids if self.shows(term_id))

    def payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """X's stream line with only the visible terms' rules in ``matching_rules``.

        Kept rather than dropped so a client reads the same shape whoever it is;
        a field that is not a list of rules is emptied, never passed through.
        """
        if self.own is None or "matching_rules" not in payload:
            return payload
        rules = payload["matching_rules"]
        kept = [
            rule
            for rule in (rules if isinstance(rules, list) else [])
            if isinstance(rule, dict) and self.shows(str(rule.get("tag")))
        ]
        return {**payload, "matching_rules": kept}


EVERY_TERM = TermView(None)


def term_view(settings: Settings, principal: Principal) -> TermView:
    """The caller's view: one Query of their subscriptions (at most 100 rows) for a user."""
    if sees_every_term(principal):
        return EVERY_TERM
    try:
        rows = subscriptions.list_subscriptions(settings, principal.user_id)
    except subscriptions.InvalidUser:  # a token's subject that could never subscribe
        return TermView(frozenset())
    return TermView(frozenset(row.term_id for row in rows))
