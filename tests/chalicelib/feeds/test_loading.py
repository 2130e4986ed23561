"""Choosing the backend with STREAMFEED_FEED_BACKEND, and every way it can be wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import chalicelib.feeds as feeds_api
from chalicelib.core.settings import Settings, SettingsError
from chalicelib.feeds import FeedConfigError, StreamItem, load_backend
from chalicelib.feeds.backends.fanout import FanoutBackend
from chalicelib.feeds.backends.memory import MemoryBackend
from chalicelib.feeds.backends.redis import RedisBackend
from chalicelib.feeds.backends.shared import SharedBackend
from chalicelib.feeds.protocol import ReadWindow

HERE = __name__


class ListBackend:
    """A valid custom backend, found by dotted path."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def add(self, users: object, item: StreamItem) -> None: ...

    def count(self, user: str) -> int:
        return 0

    def read(self, user: str, window: ReadWindow) -> list[StreamItem]:
        return []


class NotABackend:
    def __init__(self, settings: Settings) -> None: ...

    def add(self, users: object, item: object) -> None: ...


class NeedsNoSettings:
    def __init__(self) -> None: ...


class Broken:
    def __init__(self, settings: Settings) -> None:
        raise RuntimeError("cannot reach the store")


NOT_CALLABLE = 42


def load(spec: str) -> object:
    return load_backend(Settings(feed_backend=spec))


@pytest.mark.parametrize(
    ("spec", "cls"),
    [
        ("fanout", FanoutBackend),
        ("shared", SharedBackend),
        ("memory", MemoryBackend),
        (" memory ", MemoryBackend),
        ("chalicelib.feeds.backends.memory.MemoryBackend", MemoryBackend),
        (f"{HERE}.ListBackend", ListBackend),
        ("tests.chalicelib.feeds.test_loading:ListBackend", ListBackend),
    ],
)
def test_short_names_and_dotted_paths(spec: str, cls: type) -> None:
    assert type(load(spec)) is cls


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("valkey", "unknown backend 'valkey'; use fanout, shared, redis, memory or a dotted"),
        ("no_such_package.feeds.Backend", "there is no module 'no_such_package.feeds'"),
        ("chalicelib.feeds.nope.Backend", "there is no module 'chalicelib.feeds.nope'"),
        (
            f"{HERE}.Missing",
            "module 'tests.chalicelib.feeds.test_loading' has no attribute",
        ),
        (
            f"{HERE}.NotABackend",
            "is not a feed backend: it lacks count, read",
        ),
        (f"{HERE}.NOT_CALLABLE", "is a int, not a backend class"),
        (f"{HERE}.NeedsNoSettings", "called with the Settings object"),
        (f"{HERE}.Broken", "RuntimeError: cannot reach the store"),
        ("tests.chalicelib.feeds.test_loading:", "unknown backend"),
    ],
)
def test_bad_settings_give_one_clear_error_naming_the_variable(spec: str, says: str) -> None:
    with pytest.raises(FeedConfigError) as caught:
        load(spec)
    message = str(caught.value)
    assert message.startswith("bad setting STREAMFEED_FEED_BACKEND: ")
    assert says in message
    assert isinstance(caught.value, SettingsError)


def test_a_module_whose_own_import_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "feeds_with_missing_dep.py").write_text("import redis_is_not_installed_here\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(FeedConfigError, match=r"importing .feeds_with_missing_dep. failed.*redis"):
        load("feeds_with_missing_dep.RedisBackend")


@pytest.fixture
def environment_feeds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    feeds_api.set_default_feeds(None)
    yield
    feeds_api.set_default_feeds(None)


def test_module_functions_use_the_environment(
    monkeypatch: pytest.MonkeyPatch, environment_feeds: None
) -> None:
    monkeypatch.setenv("STREAMFEED_FEED_BACKEND", "memory")
    result = feeds_api.add_stream_item(["alice", "bob"], "hello")
    assert feeds_api.get_stream_items("alice")[0].id == result.item_id
    assert [i.content for i in feeds_api.page("bob", 10).items] == ["hello"]
    feeds_api.default_feeds().register_users(["alice", "bob", "carol"])
    assert feeds_api.broadcast("to all").recipients == 3
    assert len(feeds_api.get_stream_items("carol")) == 1


def test_a_bad_environment_fails_on_first_use(
    monkeypatch: pytest.MonkeyPatch, environment_feeds: None
) -> None:
    monkeypatch.setenv("STREAMFEED_FEED_BACKEND", "mypackage.RedisBackend")
    with pytest.raises(FeedConfigError, match=r"STREAMFEED_FEED_BACKEND.*no module .mypackage."):
        feeds_api.get_stream_items("alice")


def test_the_memory_backend_is_refused_in_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(load_backend(Settings(feed_backend="memory")), MemoryBackend)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "streamfeed-dev-consume_tweets")
    with pytest.raises(FeedConfigError, match="a Lambda container's process is thrown away"):
        load_backend(Settings(feed_backend="memory"))
    assert isinstance(load_backend(Settings(feed_backend="fanout")), FanoutBackend)


def test_the_redis_backend_needs_a_url_and_connects_lazily() -> None:
    with pytest.raises(FeedConfigError, match="needs STREAMFEED_REDIS_URL"):
        load("redis")
    # Nothing listens on port 1: building the backend must not connect.
    backend = load_backend(Settings(feed_backend="redis", redis_url="redis://127.0.0.1:1/0"))
    assert isinstance(backend, RedisBackend)
    assert backend.prefix == "streamfeed-dev:feed:"
