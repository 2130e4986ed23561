"""Fixtures for the feeds suite: one ``Feeds`` per test, for each backend.

``memory`` needs no server; ``fanout`` and ``shared`` get a fresh stage on the
session's dynalite (the ``stage`` fixture), and ``redis`` the same stage's key
prefix on the session's valkey-server, so every test starts empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

import pytest

from chalicelib.core.settings import Settings
from chalicelib.feeds import Feeds, StreamItem
from chalicelib.feeds.protocol import ReadWindow
from chalicelib.feeds.service import CHUNK_SIZE

BACKENDS = ("memory", "fanout", "shared", "redis")
DYNAMO_BACKENDS = ("fanout", "shared")
BASE = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

MakeFeeds = Callable[..., Feeds]


def pytest_configure(config: pytest.Config) -> None:
    # Runs by default; `-m "not slow"` skips the 10k fan-out and 100k-item tests
    # (most of this directory's run time) in a quick edit-test loop.
    config.addinivalue_line("markers", "slow: a feeds test that moves 10^4-10^5 items")


def settings_for(request: pytest.FixtureRequest, backend: str, **changes: object) -> Settings:
    if backend == "memory":
        return Settings(feed_backend="memory", **changes)  # type: ignore[arg-type]
    stage: Settings = request.getfixturevalue("stage")
    return stage.model_copy(update={"feed_backend": backend, **changes})


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_feeds(request: pytest.FixtureRequest, backend_name: str) -> MakeFeeds:
    """``make_feeds(max_length=0, chunk_size=500)``: a Feeds on this test's stage."""
    built: dict[int, Settings] = {}

    def make(max_length: int = 0, chunk_size: int = CHUNK_SIZE) -> Feeds:
        if max_length not in built:
            built[max_length] = settings_for(request, backend_name, feed_max_length=max_length)
        return Feeds.from_settings(built[max_length], chunk_size=chunk_size)

    return make


@pytest.fixture
def feeds(make_feeds: MakeFeeds) -> Feeds:
    return make_feeds()


def contents(items: Iterable[StreamItem]) -> list[str]:
    return [item.content for item in items]


def all_items(feeds: Feeds, user: str) -> list[StreamItem]:
    """The whole feed, read directly from the backend (independent of the sequence code)."""
    return feeds.backend.read(user, ReadWindow(limit=1_000_000))


class CrashingBackend:
    """Delegates to a real backend, but the ``crash_on``-th ``add`` writes half and dies."""

    def __init__(self, inner: object, crash_on: int) -> None:
        self.inner = inner
        self.crash_on = crash_on
        self.calls = 0

    def add(self, users: Sequence[str], item: StreamItem) -> None:
        self.calls += 1
        if self.calls == self.crash_on:
            self.inner.add(users[: len(users) // 2], item)  # type: ignore[attr-defined]
            raise RuntimeError("simulated crash half-way through a chunk")
        self.inner.add(users, item)  # type: ignore[attr-defined]

    def count(self, user: str) -> int:
        return int(self.inner.count(user))  # type: ignore[attr-defined]

    def read(self, user: str, window: ReadWindow) -> list[StreamItem]:
        return list(self.inner.read(user, window))  # type: ignore[attr-defined]
