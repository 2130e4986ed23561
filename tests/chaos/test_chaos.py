"""Every chaos scenario, short: faults, load and bad input on the real local system.

The claims (nothing lost against the fake X server's timeline, every tweet
in each follower's feed exactly once, bad input answered 4xx and changing
nothing, no errors under load) are checked by the scenarios themselves; each
test runs one and asserts that all its claims held. Recovery times are
measured, printed and reported in RELIABILITY.md, never asserted.
"""

from __future__ import annotations

import pytest

from chaos.profile import SHORT
from chaos.runner import run_one
from chaos.suite import Context, Scenario, scenarios
from tests.chaos.conftest import explain

#: Scenarios that expose a reported, still open bug outside chaos/ (see RELIABILITY.md's
#: findings): expected to fail until it is fixed; a pass is reported, not an error.
KNOWN_FAILURES: dict[str, str] = {}
SCENARIOS = [
    pytest.param(s, id=s.name, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[s.name]))
    if s.name in KNOWN_FAILURES
    else pytest.param(s, id=s.name)
    for s in scenarios(SHORT)
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(chaos_context: Context, scenario: Scenario) -> None:
    outcome = run_one(chaos_context, scenario)
    print(explain(outcome))
    assert outcome.passed, explain(outcome)
