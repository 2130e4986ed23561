"""Run scenarios on one local cloud, one after another, keeping every outcome.

A scenario that raises (a timeout, a component that would not start) becomes
a failed outcome with the error as its broken claim, and the run goes on: the
report must show every scenario, not stop at the first surprise. Rigs are
started when a scenario first needs them and stopped at the end.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from chaos.profile import Profile
from chaos.results import Outcome
from chaos.suite import Context, Scenario
from tools.localcloud import LocalCloud

log = logging.getLogger("chaos")
ROOT = Path(__file__).resolve().parents[1]
#: What the system runs is the code on disk when its processes start (product code:
#: ``chalicelib``, ``app.py``; harness: ``chaos``).
CODE = ("chalicelib", "app.py", "chaos")


def current_commit() -> str | None:
    """The checked-out commit, with "+changes" if the code differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            check=True, timeout=30,
        ).stdout.strip()  # fmt: skip
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", *CODE], cwd=ROOT, capture_output=True,
            text=True, check=True, timeout=30,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+changes" if changed else head


#: Taken when the run starts: the components run the code they started with.
COMMIT = current_commit()


def run_one(ctx: Context, scenario: Scenario) -> Outcome:
    started = time.monotonic()
    try:
        outcome = scenario.run(ctx)
    except Exception as exc:  # noqa: BLE001 - reported as the scenario's failure
        log.error("scenario %s raised:\n%s", scenario.name, traceback.format_exc())
        outcome = Outcome(scenario.name, scenario.name)
        outcome.check("the scenario ran to the end", False, f"{type(exc).__name__}: {exc}")
        if scenario.rig is not None:
            ctx.drop_rig(scenario.rig)  # a broken system must not fail the next scenarios
    outcome.scenario = scenario.name
    outcome.profile = ctx.profile.name
    outcome.commit = COMMIT
    # Recovery times depend on what else the machine is doing: keep the load with them.
    outcome.counts["load_average"] = round(os.getloadavg()[0], 1)
    outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def run_all(
    cloud: LocalCloud,
    profile: Profile,
    chosen: Iterable[Scenario],
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    ctx = Context(cloud, profile)
    outcomes: list[Outcome] = []
    try:
        for scenario in chosen:
            log.info("scenario %s: starting", scenario.name)
            outcome = run_one(ctx, scenario)
            outcomes.append(outcome)
            on_outcome(outcome)
    finally:
        ctx.close()
    return outcomes
