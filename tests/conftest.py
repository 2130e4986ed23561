"""Shared fixtures: one local cloud per test session (per xdist worker), an isolated stage per test.

The session starts the same ``LocalCloud`` that ``streamfeed local up`` runs,
on free ports. Each test that asks for ``stage`` gets settings with a fresh
name prefix and its own tables, so tests never see each other's data.
A missing prerequisite (Node, node_modules) fails the tests; it never skips.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.settings import ENV_PREFIX, Settings
from tools.localcloud import LocalCloud, LocalCloudConfig
from tools.localcloud.bootstrap import BootstrapReport, bootstrap, ensure_tables

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    # A developer's own STREAMFEED_* or AWS settings must not leak into tests,
    # and nothing may ever reach a real AWS account.
    for key in list(os.environ):
        if key.startswith(ENV_PREFIX) or key.startswith("AWS_"):
            del os.environ[key]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )


#: Tests that share one xdist worker, by node id prefix: their session fixtures are
#: too costly to build once per worker (infra's chalice package and cdk synths, the
#: chaos rigs) or their tests depend on each other's order (the OpenAPI run's last
#: test reads what the others saw; the local API server tests share one server).
WORKER_GROUPS: dict[str, str] = {
    "tests/infra/": "infra",
    "tests/chaos/": "chaos",
    "tests/chalicelib/api/test_api_openapi.py": "openapi",
    "tests/chalicelib/api/test_api_localserver.py": "streamfeed-api",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs the local cloud, so ``make unit`` can leave them out."""
    for item in items:
        fixtures = getattr(getattr(item, "_fixtureinfo", None), "names_closure", ())
        if "local_cloud" in fixtures:
            item.add_marker(pytest.mark.integration)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadgroup`` with the groups above, every other test on its own.

    xdist's own loadgroup reads ``xdist_group`` marks by rewriting node ids,
    which pytest 9 ignores: the marked tests were spread over every worker.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorkerGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for prefix, group in WORKER_GROUPS.items():
                if nodeid.startswith(prefix):
                    return group
            return nodeid

    return WorkerGroups(config, log)


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """dynalite, kinesis-mock and moto on free loopback ports, for the whole session."""
    config = LocalCloudConfig(data_dir=tmp_path_factory.mktemp("localcloud"))
    cloud = LocalCloud(config, Settings(name_prefix="session"))
    cloud.start()
    try:
        yield cloud
    finally:
        cloud.stop()


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def stage(local_cloud: LocalCloud) -> Settings:
    """Settings for a fresh stage whose DynamoDB tables exist (no stream, queue…)."""
    settings = local_cloud.settings(name_prefix=unique_prefix())
    ensure_tables(settings, BootstrapReport())
    return settings


@pytest.fixture
def full_stage(local_cloud: LocalCloud) -> Settings:
    """Settings for a fresh stage with every resource: tables, stream, queue, secrets."""
    settings = local_cloud.settings(name_prefix=unique_prefix())
    bootstrap(settings)
    return settings
