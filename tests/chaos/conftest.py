"""The chaos scenarios at CI length: one context (and so one running system) for all.

Every scenario of ``chaos.suite`` runs here with the short profile, in the
order ``make chaos`` runs them, on the session's local cloud. The stream
scenarios share one composition (started by the first of them), so the
module's tests must run in order on one worker: they carry one xdist group.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chaos.profile import SHORT
from chaos.results import Outcome
from chaos.suite import Context
from tools.localcloud import LocalCloud


@pytest.fixture(scope="session")
def chaos_context(local_cloud: LocalCloud) -> Iterator[Context]:
    context = Context(local_cloud, SHORT)
    try:
        yield context
    finally:
        context.close()


def explain(outcome: Outcome) -> str:
    """Everything a failed scenario measured, for the assertion message."""
    lines = [outcome.summary()]
    lines += [f"  {c.claim}: {'ok' if c.held else 'BROKEN ' + c.detail}" for c in outcome.checks]
    lines += [f"  {key}: {value}" for key, value in outcome.counts.items() if key != "answers"]
    return "\n".join(lines)
