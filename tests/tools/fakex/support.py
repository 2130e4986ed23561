"""Helpers shared by the fake X tests: raw stream reading and polling."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
import requests

from tools.fakex import FakeX


def auth(fake: FakeX) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.bearer_token}"}


class Stream:
    """A raw streaming GET, read line by line (keep-alives are empty lines)."""

    def __init__(
        self,
        fake: FakeX,
        path: str = "/2/tweets/search/stream",
        params: dict[str, str] | None = None,
        read_timeout: float = 10.0,
    ) -> None:
        self.response = requests.get(
            fake.url + path,
            params=params,
            headers=auth(fake),
            stream=True,
            timeout=(5, read_timeout),
        )
        self._lines = self.response.iter_lines(chunk_size=256)
        self._fake = fake
        self._kind = "sample" if "sample" in path else "filtered"

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.response.close()
        # X allows one connection: the next Stream must not race the server
        # noticing this one has gone (slow under load).
        if self.response.ok:
            wait_for(lambda: not self._fake.state()["open"].get(self._kind), timeout=30)

    def next_line(self, within: float = 15.0) -> bytes | None:
        """The next non-empty line, or None when the stream ended cleanly."""
        deadline = time.monotonic() + within
        for line in self._lines:
            if line:
                return bytes(line)
            assert time.monotonic() < deadline, "only keep-alives: no line came in time"
        return None

    def objects(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` JSON lines (tweets or errors)."""
        found = []
        while len(found) < count:
            line = self.next_line()
            assert line is not None, f"stream ended after {len(found)} of {count} lines"
            found.append(orjson.loads(line))
        return found


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll until ``condition`` holds; fail after ``timeout`` (never a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)
