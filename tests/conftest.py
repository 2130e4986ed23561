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

import pytest

from chalicelib.localcloud import LocalCloud, LocalCloudConfig
from chalicelib.localcloud.bootstrap import BootstrapReport, bootstrap, ensure_tables
from chalicelib.settings import ENV_PREFIX, Settings

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


#: Test folders whose session fixtures are too costly to build once per xdist
#: worker: all their tests run on one worker (``--dist loadgroup``).
SERIAL_GROUPS = ("infra",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = item.path.parent.name
        if folder in SERIAL_GROUPS:
            item.add_marker(pytest.mark.xdist_group(folder))


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
