"""The filtered stream's rule set and the rules endpoint's semantics.

Every change makes a new immutable :class:`RuleVersion` stamped with the time it
took effect; the history is kept so backfill can match old tweets against "the
rules then in force". Response bodies follow X's observed behaviour:

* ``POST`` with ``add`` answers 201, also when only duplicates were refused;
  a rule X cannot parse (bad syntax, over-long value) rejects the whole request
  with 200, ``created: 0`` and one ``UnprocessableEntity`` per bad rule.
* Duplicates (same value) are refused one by one with ``DuplicateRule`` and the
  existing rule's id; they count as ``invalid`` in the summary.
* Going over the rule cap refuses the whole request with a ``RulesCapExceeded``
  problem. X does not document the status; clients see an HTTP error, we use 400.
* Deleting unknown ids answers 200 with an ``Invalid Request`` problem per id.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from tools.fakex import problems
from tools.fakex.matcher import CompiledRule, RuleIndex, compile_rule
from tools.fakex.model import JsonObject
from tools.fakex.rulelang import RuleSyntaxError, parse_rule
from tools.fakex.snowflake import iso_ms, snowflake

MAX_RULES: Final = 1000
MAX_RULE_LENGTH: Final = 1024

Response = tuple[int, JsonObject]


@dataclass(frozen=True, slots=True)
class RuleVersion:
    """The rules in force from ``since`` (Unix seconds) until the next version."""

    number: int
    since: float
    rules: tuple[CompiledRule, ...]
    index: RuleIndex
    #: Digest of the rule values: generated tweets are seeded by it, so the same
    #: rules give the same tweets whatever their ids or order.
    key: str

    @classmethod
    def build(cls, number: int, since: float, rules: Sequence[CompiledRule]) -> RuleVersion:
        values = "\n".join(sorted(rule.value for rule in rules))
        key = hashlib.sha256(values.encode()).hexdigest()[:16]
        return cls(number, since, tuple(rules), RuleIndex(rules), key)


def rule_json(rule: CompiledRule) -> JsonObject:
    """A rule as X lists it: ``tag`` only when the rule has one."""
    body: JsonObject = {"id": rule.id, "value": rule.value}
    if rule.tag is not None:
        body["tag"] = rule.tag
    return body


class RuleStore:
    """Thread-safe rule set with history."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        max_rules: int = MAX_RULES,
        max_length: int = MAX_RULE_LENGTH,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.max_rules = max_rules
        self.max_length = max_length
        self._history: tuple[RuleVersion, ...] = (RuleVersion.build(0, float("-inf"), ()),)
        self._since: tuple[float, ...] = (float("-inf"),)
        self._last_id = 0

    @property
    def current(self) -> RuleVersion:
        return self._history[-1]

    def version_at(self, when: float) -> RuleVersion:
        """The rules in force at Unix time ``when``."""
        history, since = self._history, self._since
        return history[bisect.bisect_right(since, when) - 1]

    def get(self, ids: Sequence[str] | None = None) -> Response:
        rules = self.current.rules
        if ids is not None:
            wanted = set(ids)
            rules = tuple(rule for rule in rules if rule.id in wanted)
        body: JsonObject = {}
        if rules:
            body["data"] = [rule_json(rule) for rule in rules]
        body["meta"] = {"sent": self._sent(), "result_count": len(rules)}
        return 200, body

    def post(self, payload: Any, *, dry_run: bool = False, delete_all: bool = False) -> Response:
        """``POST /2/tweets/search/stream/rules`` with a parsed JSON body."""
        if delete_all:
            return self._delete(None, None, dry_run)
        if not isinstance(payload, dict) or ("add" in payload) == ("delete" in payload):
            return 400, problems.invalid_request(
                [{"message": "Request body must contain exactly one of 'add' or 'delete'"}]
            )
        if "add" in payload:
            items = payload["add"]
            if not isinstance(items, list) or not items or not all(_rule_item(i) for i in items):
                return 400, problems.invalid_request(
                    [{"message": "'add' must be a non-empty array of {value, tag?} objects"}]
                )
            return self._add(items, dry_run)
        spec = payload["delete"]
        ids = spec.get("ids") if isinstance(spec, dict) else None
        values = spec.get("values") if isinstance(spec, dict) else None
        if not (_strings(ids) or _strings(values)):
            return 400, problems.invalid_request(
                [{"message": "'delete' must hold a non-empty 'ids' or 'values' array"}]
            )
        return self._delete(ids, values, dry_run)

    def _add(self, items: list[JsonObject], dry_run: bool) -> Response:
        with self._lock:
            current = self.current
            existing = {rule.value: rule.id for rule in current.rules}
            new: list[CompiledRule] = []
            errors: list[JsonObject] = []
            unparsable = 0
            for item in items:
                value, tag = item["value"], item.get("tag")
                try:
                    if len(value) > self.max_length:
                        raise RuleSyntaxError(
                            [f"Rule length exceeds the maximum of {self.max_length} characters"]
                        )
                    node = parse_rule(value)
                except RuleSyntaxError as exc:
                    errors.append(problems.invalid_rule(value, exc.details))
                    unparsable += 1
                    continue
                if value in existing:
                    errors.append(problems.duplicate_rule(value, existing[value]))
                    continue
                rule_id = self._next_id()
                existing[value] = rule_id
                new.append(CompiledRule(rule_id, value, tag, node, compile_rule(node)))
            summary = {
                "created": 0,
                "not_created": len(items),
                "valid": len(new),
                "invalid": len(items) - len(new),
            }
            if unparsable:
                return 200, self._rules_body(None, summary, errors)
            if len(current.rules) + len(new) > self.max_rules:
                return 400, problems.rules_cap(self.max_rules)
            summary["created"] = len(new)
            summary["not_created"] = len(items) - len(new)
            if not dry_run and new:
                self._commit((*current.rules, *new))
            return 201, self._rules_body(new, summary, errors)

    def _delete(self, ids: list[str] | None, values: list[str] | None, dry_run: bool) -> Response:
        with self._lock:
            rules = self.current.rules
            errors: list[JsonObject] = []
            if ids is None and values is None:  # delete_all
                doomed = {rule.id for rule in rules}
            else:
                by_id = {rule.id for rule in rules}
                by_value = {rule.value: rule.id for rule in rules}
                doomed = set()
                for rule_id in ids or ():
                    if rule_id in by_id:
                        doomed.add(rule_id)
                    else:
                        errors.append(problems.rule_not_found(rule_id))
                for value in values or ():
                    if value in by_value:
                        doomed.add(by_value[value])
                    else:
                        errors.append(
                            problems.invalid_request(
                                [
                                    {
                                        "parameters": {"values": [value]},
                                        "message": "Rule does not exist",
                                    }
                                ]
                            )
                        )
            if doomed and not dry_run:
                self._commit(tuple(rule for rule in rules if rule.id not in doomed))
            summary = {"deleted": len(doomed), "not_deleted": len(errors)}
            return 200, self._rules_body(None, summary, errors)

    def _commit(self, rules: tuple[CompiledRule, ...]) -> None:
        now = self._clock()
        version = RuleVersion.build(self.current.number + 1, now, rules)
        self._history = (*self._history, version)
        self._since = (*self._since, now)

    def _next_id(self) -> str:
        self._last_id = max(self._last_id + 1, snowflake(int(self._clock() * 1000)))
        return str(self._last_id)

    def _sent(self) -> str:
        return iso_ms(int(self._clock() * 1000))

    def _rules_body(
        self, data: list[CompiledRule] | None, summary: dict[str, int], errors: list[JsonObject]
    ) -> JsonObject:
        body: JsonObject = {}
        if data:
            body["data"] = [
                {"value": r.value, **({"tag": r.tag} if r.tag is not None else {}), "id": r.id}
                for r in data
            ]
        body["meta"] = {"sent": self._sent(), "summary": summary}
        if errors:
            body["errors"] = errors
        return body


def _rule_item(item: object) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("value"), str)
        and isinstance(item.get("tag", ""), str)
    )


def _strings(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)
