"""One smoke run of the benchmarks, so the harness keeps working as the code changes.

It runs every figure of ``make bench-quick`` at the ``smoke`` scale (tiny
sizes) on the session's local cloud and checks that each produced its table,
not what the numbers are: benchmarks never fail on a number.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import FIGURES, main
from tools.localcloud import LocalCloud

pytestmark = pytest.mark.integration


@pytest.mark.timeout(900)
def test_every_benchmark_runs_and_reports(local_cloud: LocalCloud, tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    status = main(["--scale", "smoke", "--out", str(out), "--work", str(tmp_path / "work")],
                  cloud=local_cloud)  # fmt: skip
    report = out.read_text()
    figures = json.loads(out.with_suffix(".json").read_text())
    failed = {f["key"]: f["error"] for f in figures if f["error"]}
    assert status == 0 and not failed, failed
    assert {f["key"] for f in figures} == set(FIGURES)
    for figure in figures:
        assert figure["rows"], f"figure {figure['key']} measured nothing"
    for heading in ("## Every figure", "## Machine", "## How to reproduce", "## Figure 7"):
        assert heading in report
