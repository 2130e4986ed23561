"""The redis backend on a server that goes away: calls fail loudly, nothing is lost.

Each test runs its own valkey-server (the one the local cloud runs), so it can
stop and restart it; its append-only file keeps the feeds across the restart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.core.settings import Settings
from chalicelib.feeds import FeedStoreUnavailableError, StreamItem
from chalicelib.feeds.backends.redis import RedisBackend
from chalicelib.feeds.protocol import Addition, ReadWindow
from tools.localcloud import servers
from tools.localcloud.ports import free_port
from tools.localcloud.processes import ManagedProcess

BASE = datetime(2024, 5, 1, 12, tzinfo=UTC)


class Server:
    def __init__(self, data: Path) -> None:
        self.data, self.port = data, free_port("127.0.0.1")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: ManagedProcess | None = None

    def start(self) -> None:
        self.process = servers.valkey_server(
            binary=servers.find_valkey(),
            host="127.0.0.1",
            port=self.port,
            data=self.data / "valkey",
            logs=self.data / "logs",
        )
        self.process.start()
        servers.wait_until_valkey_ready(self.process, self.url, time.monotonic() + 30)

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def settings_for(server: Server, **changes: object) -> Settings:
    return Settings(
        feed_backend="redis",
        redis_url=server.url,
        redis_timeout=0.5,
        redis_retries=2,
        **changes,  # type: ignore[arg-type]
    )


def items(n: int, start: int = 0) -> list[StreamItem]:
    return [StreamItem(f"i{k:04d}", f"c{k}", BASE + timedelta(seconds=k)) for k in range(start, n)]


def test_an_outage_fails_the_call_and_a_retry_after_it_loses_nothing(server: Server) -> None:
    backend = RedisBackend(settings_for(server))
    backend.add_many([Addition(item, ["ann", "bob"]) for item in items(10)])
    server.stop()
    batch = [Addition(item, ["ann", "bob"]) for item in items(20, 10)]
    with pytest.raises(FeedStoreUnavailableError, match="unreachable"):
        backend.add_many(batch)  # the consumer's batch fails; Kinesis delivers it again
    with pytest.raises(FeedStoreUnavailableError):
        backend.count("ann")
    server.start()  # same port, same append-only file
    backend.add_many(batch)  # the redelivery
    backend.add_many(batch)  # and once more: still one copy of each
    for user in ("ann", "bob"):
        assert backend.count(user) == 20
        read = backend.read(user, ReadWindow(limit=100, newest_first=False))
        assert read == items(20)


def test_the_api_reports_an_unreachable_store_as_503(server: Server) -> None:
    from chalicelib.api.errors import to_api_error

    backend = RedisBackend(settings_for(server))
    backend.add(["ann"], items(1)[0])
    server.stop()
    with pytest.raises(FeedStoreUnavailableError) as caught:
        backend.read("ann", ReadWindow(limit=20))
    error = to_api_error(caught.value)
    assert error is not None
    assert (error.status, error.code) == (503, "unavailable")
    assert str(server.port) not in error.message  # the server's address stays in the log
