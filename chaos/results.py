"""What a scenario found, in the shape of RELIABILITY.md's table.

Stream scenarios fill the tweet columns from the fake X ledger, the tweets
table and the feeds; API scenarios leave them empty and put their counts in
``counts``. ``checks`` holds every claim with whether it held, so a failed
run says which claim broke, not just "fail".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Check:
    claim: str
    held: bool
    detail: str = ""


@dataclass
class Outcome:
    scenario: str
    title: str
    emitted: int | None = None
    stored: int | None = None
    lost: int | None = None
    duplicated_in_feeds: int | None = None
    #: Seconds from the end of the fault until the system was whole again.
    recovery_s: float | None = None
    seconds: float = 0.0
    profile: str = "short"
    #: The commit the scenario ran at ("+changes" when the product code had uncommitted edits).
    commit: str | None = None
    checks: list[Check] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Reported bugs this scenario ran into that do not break its claims.
    known: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.held for check in self.checks)

    def check(self, claim: str, held: bool, detail: str = "") -> bool:
        """Record one claim; returns whether it held."""
        self.checks.append(Check(claim, bool(held), detail))
        return bool(held)

    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.held]

    def summary(self) -> str:
        """One line for logs and assertion messages."""
        broken = "; ".join(f"{c.claim}: {c.detail}" for c in self.failures())
        state = "pass" if self.passed else f"FAIL ({broken})"
        return (
            f"{self.scenario}: emitted={self.emitted} stored={self.stored} lost={self.lost} "
            f"feed-dups={self.duplicated_in_feeds} recovery={self.recovery_s} -> {state}"
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        data = {k: v for k, v in data.items() if k != "passed"}
        checks = [Check(**c) for c in data.pop("checks", [])]
        return cls(**data, checks=checks)
