"""The release is known where there is no package metadata (the Lambda bundle)."""

from __future__ import annotations

from importlib import metadata

import pytest

from chalicelib.api import health, openapi
from chalicelib.core.settings import Settings
from chalicelib.core.version import __version__


def test_the_version_is_known_without_package_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)  # as in Lambda: no dist-info
    assert health.health(Settings())["version"] == __version__ != "unknown"
    assert openapi.document()["info"]["version"] == __version__


def test_the_installed_package_carries_the_same_version() -> None:
    assert metadata.version("streamfeed") == __version__
