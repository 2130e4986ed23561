"""Apply the rule diff to X and record each term's sync state.

X may refuse a rule (bad syntax, too long, over the cap); that term is marked
rejected with X's message and the others still apply. If X refuses a whole
batch, the rules are sent one at a time so one bad term cannot block the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import tweepy

from chalicelib.core.models import TermModel
from streamer.rules import Rule, diff

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    active: dict[str, str] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)
    added: int = 0
    deleted: int = 0


def x_rules(client: Any) -> list[Rule]:
    response = client.get_rules()
    return [Rule(str(r.id), r.value, r.tag) for r in (response.data or [])]


def sync(client: Any, desired: Mapping[str, str]) -> SyncResult:
    """Make X hold exactly ``desired`` (term id -> rule value)."""
    plan = diff(desired, x_rules(client))
    result = SyncResult(active=dict(plan.active))
    if plan.delete:
        client.delete_rules(list(plan.delete))
        result.deleted = len(plan.delete)
    if plan.add:
        _add(client, list(plan.add), result)
        leftovers = [
            (tag, value)
            for tag, value in plan.add
            if tag not in result.active and tag not in result.rejected
        ]
        if len(plan.add) > 1:
            for pair in leftovers:
                _add(client, [pair], result)
        for tag, _ in leftovers:
            if tag not in result.active:
                result.rejected.setdefault(tag, "X did not create the rule")
    return result


def _add(client: Any, pairs: list[tuple[str, str]], result: SyncResult) -> None:
    by_value = {value: tag for tag, value in pairs}
    try:
        response = client.add_rules([tweepy.StreamRule(value, tag=tag) for tag, value in pairs])
    except tweepy.BadRequest as exc:
        if len(pairs) == 1:
            result.rejected[pairs[0][0]] = _message(exc.api_errors or [], str(exc))
        return
    for rule in response.data or []:
        result.active[rule.tag] = str(rule.id)
        result.added += 1
    for error in response.errors or []:
        tag = by_value.get(error.get("value", ""))
        if tag is not None and tag not in result.active:
            result.rejected[tag] = _message([error], "rejected by X")


def _message(errors: list[Any], fallback: str) -> str:
    for error in errors:
        if not isinstance(error, dict):
            continue
        details = error.get("details")
        if isinstance(details, list) and details:
            return "; ".join(str(d) for d in details)[:500]
        for key in ("detail", "title", "message"):
            if error.get(key):
                return str(error[key])[:500]
    return fallback[:500]


def record_states(terms: type[TermModel], all_terms: list[TermModel], result: SyncResult) -> int:
    """Write each term's sync state if it changed; returns how many changed."""
    changed = 0
    now = datetime.now(UTC)
    for term in all_terms:
        if not term.enabled:
            state, rule_id, error = "disabled", None, None
        elif term.term_id in result.active:
            state, rule_id, error = "active", result.active[term.term_id], None
        elif term.term_id in result.rejected:
            state, rule_id, error = "rejected", None, result.rejected[term.term_id]
        else:
            continue
        if (term.sync_state, term.x_rule_id, term.sync_error) == (state, rule_id, error):
            continue
        try:
            term.update(
                actions=[
                    terms.sync_state.set(state),
                    terms.x_rule_id.set(rule_id) if rule_id else terms.x_rule_id.remove(),
                    terms.sync_error.set(error) if error else terms.sync_error.remove(),
                    terms.updated_at.set(now),
                ],
                condition=terms.term_id.exists(),
            )
            changed += 1
        except Exception:  # noqa: BLE001 - a term deleted meanwhile; next poll settles it
            log.info("term %s changed while syncing", term.term_id)
    return changed
