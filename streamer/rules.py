"""Terms to X rules: what to add and delete so X holds exactly the enabled terms.

Each enabled term is one rule whose tag is the term id, so a delivered tweet's
``matching_rules`` name its terms. The diff is pure; applying it is the X
adapter's job, and only the difference is sent, so a term change never
needs a reconnect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    """A rule as X holds it."""

    id: str
    value: str
    tag: str | None


@dataclass(frozen=True)
class Plan:
    #: (tag, value) pairs to add.
    add: tuple[tuple[str, str], ...] = ()
    #: Rule ids to delete.
    delete: tuple[str, ...] = ()
    #: Terms already active in X: term id -> X rule id.
    active: Mapping[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.add and not self.delete


def diff(desired: Mapping[str, str], current: Iterable[Rule]) -> Plan:
    """``desired`` maps term id (tag) to rule value; ``current`` is what X holds.

    A rule is kept only if its tag names a desired term with the same value;
    everything else (stale terms, changed values, duplicates, rules someone
    added by hand) is deleted, and every desired term without a kept rule is
    added.
    """
    active: dict[str, str] = {}
    delete: list[str] = []
    for rule in current:
        tag = rule.tag or ""
        if desired.get(tag) == rule.value and tag not in active:
            active[tag] = rule.id
        else:
            delete.append(rule.id)
    add = tuple((tag, value) for tag, value in sorted(desired.items()) if tag not in active)
    return Plan(add=add, delete=tuple(delete), active=active)
