"""Each deployable imports only its own folder, and ships only what it imports.

- Lambda: ``app.py`` plus ``chalicelib`` (``chalice package`` zips exactly
  these; tests/infra checks the zip itself).
- The streamer container: ``streamer`` plus ``chalicelib/core`` (what the
  Dockerfile copies; tests/streamer runs the copied tree).
- ``tools``, ``infra``, ``bench`` and ``chaos`` may import both; neither
  deployable may import them.
"""

from __future__ import annotations

from pathlib import Path

from chalicelib.feeds.loading import BUILTIN
from infra.streamfeed_infra.streamer import image_sources
from tests.support.imports import (
    ROOT,
    closure,
    installed_with,
    package_modules,
    providers,
)

#: app.py, plus what it loads by name: every built-in feed backend.
LAMBDA_ROOTS = ("app", *(path.split(":")[0] for path in BUILTIN.values()))
#: Chalice adds its own runtime (``chalice.app``) to every package it builds.
CHALICE_RUNTIME = {"chalice"}


def test_the_lambda_closure_stays_in_app_and_chalicelib() -> None:
    found = closure(LAMBDA_ROOTS)
    assert found.outside("app", "chalicelib") == set()
    assert "chalicelib.feeds.backends.fanout" in found.modules  # the roots were followed


def test_every_chalicelib_module_is_one_lambda_runs() -> None:
    """Nothing in the bundle is dead weight: each module is reachable from app.py."""
    found = closure(LAMBDA_ROOTS)
    assert set(package_modules("chalicelib")) - set(found.modules) == set()


def test_the_lambda_imports_only_what_requirements_txt_installs() -> None:
    allowed = installed_with(ROOT / "requirements.txt") | CHALICE_RUNTIME
    found = closure(LAMBDA_ROOTS)
    missing = {
        name: sorted(found.external[name])[:3]
        for name in found.third_party()
        if not providers(name) & allowed
    }
    assert missing == {}
    assert {"tweepy", "click", "rich"}.isdisjoint(installed_with(ROOT / "requirements.txt"))


def test_the_streamer_imports_itself_and_the_shared_core_only() -> None:
    found = closure(package_modules("streamer"))
    assert found.outside("streamer", "chalicelib.core") == {"chalicelib"}


def test_the_streamer_imports_only_what_its_requirements_install() -> None:
    allowed = installed_with(ROOT / "requirements-streamer.txt")
    found = closure(package_modules("streamer"))
    missing = {name for name in found.third_party() if not providers(name) & allowed}
    assert missing == set()
    # What the issue found shipped and never imported stays out of the image.
    unused = {"aws-lambda-powertools", "pyjwt", "cryptography", "click", "rich", "chalice"}
    assert unused.isdisjoint(allowed)


def test_the_shared_core_imports_nothing_else_of_chalicelib() -> None:
    found = closure(package_modules("chalicelib.core"))
    assert found.outside("chalicelib.core") == {"chalicelib"}
    assert (ROOT / "chalicelib" / "__init__.py").read_text().strip() == ""


def _copied_python_files() -> set[Path]:
    files: set[Path] = set()
    for source in image_sources():
        path = ROOT / source
        files |= set(path.rglob("*.py")) if path.is_dir() else {path}
    return {p for p in files if p.suffix == ".py"}


def test_the_dockerfile_copies_exactly_what_the_streamer_imports() -> None:
    found = closure(package_modules("streamer"))
    assert _copied_python_files() == set(found.modules.values())
