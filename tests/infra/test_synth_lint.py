"""Every stage synthesizes offline, and cfn-lint finds no error in any template."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra.streamfeed_infra.streamer import IMAGE_FILES
from tests.infra.conftest import Build
from tests.infra.support import ROOT, cfn_lint

# The first test builds everything (chalice package, four synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)


def test_every_stage_synthesizes_with_the_pinned_cli(build: Build) -> None:
    assert set(build.stacks) == {"dev", "prod", "prod-chalice-mode", "dev-redis"}
    for name, stack in build.stacks.items():
        assert stack.template["Resources"], name
        manifest = (stack.outdir / "manifest.json").read_text()
        assert '"version": "55.' in manifest  # the schema aws-cdk-lib 2.275 writes


def test_cfn_lint_reports_no_error_on_any_template(build: Build) -> None:
    """As written (SAM resources checked against SAM's schema) and as deployed (expanded)."""
    templates = [s.path for s in build.stacks.values()]
    templates += [s.translated_path for s in build.stacks.values()]
    templates += [build.packaged.path, build.packaged.translated_path]
    findings = cfn_lint(*templates)
    errors = [f for f in findings if f["Level"] == "Error"]
    assert errors == [], errors
    warnings = [f for f in findings if f["Level"] == "Warning"]
    assert warnings == [], warnings


def test_the_image_asset_is_staged_not_built(build: Build) -> None:
    """Synthesis copies the Docker context; `cdk deploy` builds it (no Docker needed here)."""
    import json

    stack = build.stacks["prod"]
    assets = json.loads((stack.outdir / "streamfeed-prod.assets.json").read_text())
    (image,) = assets["dockerImages"].values()
    assert image["source"]["platform"] == "linux/arm64"
    assert image["source"]["dockerFile"] == "Dockerfile"
    staged = stack.outdir / image["source"]["directory"]
    staged_files = {p.relative_to(staged) for p in staged.rglob("*") if p.is_file()}
    # Only the Dockerfile's inputs (plus .dockerignore, which CDK always keeps).
    wanted = {Path(".dockerignore")}
    for name in IMAGE_FILES:
        source = ROOT / name
        files = source.rglob("*") if source.is_dir() else [source]
        wanted |= {
            f.relative_to(ROOT) for f in files if f.is_file() and "__pycache__" not in f.parts
        }
    assert staged_files == wanted
    assert Path("chalicelib/core/settings.py") in staged_files
    assert not any(f.parts[:2] == ("chalicelib", "api") for f in staged_files)
    assert not list(staged.rglob("__pycache__"))
    if shutil.which("docker") is None:
        assert stack.seconds > 0  # synthesized above with no docker binary on PATH
