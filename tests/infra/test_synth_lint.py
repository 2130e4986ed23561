"""Every stage synthesizes offline, and cfn-lint finds no error in any template."""

from __future__ import annotations

import shutil

import pytest

from tests.infra.conftest import Build
from tests.infra.support import cfn_lint

# The first test builds everything (chalice package, three synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)


def test_every_stage_synthesizes_with_the_pinned_cli(build: Build) -> None:
    assert set(build.stacks) == {"dev", "prod", "prod-chalice-mode"}
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
    top = {p.name for p in staged.iterdir()}
    # Only the Dockerfile's inputs (plus .dockerignore, which CDK always keeps).
    assert top == {
        "Dockerfile",
        ".dockerignore",
        "requirements.txt",
        "requirements-streamer.txt",
        "pyproject.toml",
        "chalicelib",
    }
    assert not list(staged.rglob("__pycache__"))
    if shutil.which("docker") is None:
        assert stack.seconds > 0  # synthesized above with no docker binary on PATH
