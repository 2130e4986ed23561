"""One build per test session: ``chalice package`` of prod, then ``cdk synth`` of each stage.

``chalice package`` runs first because it fills Chalice's dependency cache
(``.chalice/deployments``) that each synth's Chalice construct then reuses;
two packagers filling it at once could corrupt it. The synths run in parallel.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.infra.support import ROOT, Synthesized, chalice_package, start_synth, translate

STAGES = ("dev", "prod")
#: The prod stack without the Chalice app (`chalice deploy` owns the functions).
CHALICE_MODE = "prod-chalice-mode"
#: What `chalice url --stage prod` would print for that stack's `-c api_url`.
CHALICE_API_URL = "https://abcde12345.execute-api.us-east-1.amazonaws.com/api/"
#: The dev stack with the `redis` feed backend: the Valkey cache and its VPC.
REDIS_MODE = "dev-redis"


@dataclass
class Packaged:
    """``chalice package --stage prod --merge-template .chalice/merge-prod.json``."""

    template: dict[str, Any]
    translated: dict[str, Any]
    path: Path
    translated_path: Path
    seconds: float


@dataclass
class Build:
    stacks: dict[str, Synthesized]
    packaged: Packaged


def _finish(name: str, stage: str, outdir: Path, started: float, process: Any) -> Synthesized:
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, f"cdk synth {name} failed:\n{output}"
    seconds = time.monotonic() - started
    path = outdir / f"streamfeed-{stage}.template.json"
    template = json.loads(path.read_text())
    translated = translate(template)
    translated_path = outdir / f"streamfeed-{stage}.translated.json"
    translated_path.write_text(json.dumps(translated))
    return Synthesized(stage, outdir, path, template, translated, translated_path, seconds)


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    base = tmp_path_factory.mktemp("infra")
    started = time.monotonic()
    package_dir = base / "chalice-package"
    chalice_package("prod", package_dir, ROOT / ".chalice" / "merge-prod.json")
    sam = json.loads((package_dir / "sam.json").read_text())
    translated = translate(sam)
    translated_path = package_dir / "translated.json"
    translated_path.write_text(json.dumps(translated))
    packaged = Packaged(
        sam, translated, package_dir / "sam.json", translated_path, time.monotonic() - started
    )
    runs: dict[str, tuple[str, Path, tuple[str, ...]]] = {
        stage: (stage, base / f"cdk.out-{stage}", ()) for stage in STAGES
    }
    runs[CHALICE_MODE] = (
        "prod",
        base / "cdk.out-prod-chalice",
        ("-c", "api=chalice", "-c", f"api_url={CHALICE_API_URL}"),
    )
    runs[REDIS_MODE] = ("dev", base / "cdk.out-dev-redis", ("-c", "feed_backend=redis"))
    started = time.monotonic()
    processes = {
        name: start_synth(stage, outdir, *extra) for name, (stage, outdir, extra) in runs.items()
    }
    try:
        stacks = {
            name: _finish(name, runs[name][0], runs[name][1], started, process)
            for name, process in processes.items()
        }
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
    yield Build(stacks, packaged)


@pytest.fixture(scope="session")
def stacks(build: Build) -> dict[str, Synthesized]:
    return build.stacks


@pytest.fixture(scope="session", params=STAGES)
def stack(request: pytest.FixtureRequest, stacks: dict[str, Synthesized]) -> Synthesized:
    """Each stage's full stack (with the Chalice app)."""
    found: Synthesized = stacks[request.param]
    return found


@pytest.fixture(scope="session")
def prod(stacks: dict[str, Synthesized]) -> Synthesized:
    return stacks["prod"]


@pytest.fixture(scope="session")
def dev(stacks: dict[str, Synthesized]) -> Synthesized:
    return stacks["dev"]


@pytest.fixture(scope="session")
def redis(stacks: dict[str, Synthesized]) -> Synthesized:
    """The dev stack with ``-c feed_backend=redis``."""
    return stacks[REDIS_MODE]
