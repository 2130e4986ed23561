"""Python helpers for tests, demos and benchmarks.

:class:`FakeX` runs a fake X server in a background thread of this process::

    with FakeX(rate=200, keepalive=0.2) as fake:
        fake.add_rules("cat", ("#python", "py"))
        client = redirect_client(tweepy.StreamingClient(fake.bearer_token), fake.url)
        ...
        fake.set_faults(Drop(after=5))
        assert [e.id for e in fake.ledger()] == received_ids

:class:`FakeXClient` speaks the same control API to any fake X, e.g. one a
benchmark started with ``streamfeed fake-x``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import requests

from tools.fakex.engine import DEFAULT_BEARER_TOKEN, Engine, FakeXConfig
from tools.fakex.faults import Fault, fault_json
from tools.fakex.model import JsonObject
from tools.fakex.server import FakeXServer

RULES_PATH = "/2/tweets/search/stream/rules"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One tweet the fake sent: id, Unix time, connection number, stream and kind."""

    id: str
    at: float
    connection: int
    stream: Literal["filtered", "sample"]
    kind: Literal["live", "backfill", "duplicate"]


class FakeXClient:
    """Control and rules calls against a running fake X at ``url``."""

    def __init__(self, url: str, bearer_token: str = DEFAULT_BEARER_TOKEN) -> None:
        self.url = url.rstrip("/")
        self.bearer_token = bearer_token
        self.session = requests.Session()
        self.session.trust_env = False  # loopback: never through a proxy

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, self.url + path, timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def set_faults(self, *faults: Fault) -> list[JsonObject]:
        """Replace the armed faults (none: clear them); returns what is armed."""
        body = {"faults": [fault_json(fault) for fault in faults]}
        armed: list[JsonObject] = self._call("POST", "/_fake/faults", json=body)["faults"]
        return armed

    def faults(self) -> list[JsonObject]:
        armed: list[JsonObject] = self._call("GET", "/_fake/faults")["faults"]
        return armed

    def ledger(self, offset: int = 0) -> list[LedgerEntry]:
        """Every tweet sent on any stream so far (from ``offset``)."""
        entries = self._call("GET", "/_fake/ledger", params={"offset": offset})["entries"]
        return [LedgerEntry(**entry) for entry in entries]

    def state(self) -> JsonObject:
        state: JsonObject = self._call("GET", "/_fake/state")
        return state

    def rules(self) -> list[JsonObject]:
        """The rules in force, as ``GET /2/tweets/search/stream/rules`` lists them."""
        body = self._call("GET", RULES_PATH, headers=self._auth())
        rules: list[JsonObject] = body.get("data", [])
        return rules

    def add_rules(self, *rules: str | tuple[str, str]) -> list[JsonObject]:
        """Add rules given as values or (value, tag); returns the created rules."""
        add = [
            {"value": rule} if isinstance(rule, str) else {"value": rule[0], "tag": rule[1]}
            for rule in rules
        ]
        response = self.session.post(
            self.url + RULES_PATH, json={"add": add}, headers=self._auth(), timeout=10
        )
        body = response.json()
        if response.status_code != 201 or "errors" in body:
            raise ValueError(f"rules not added: {body}")
        created: list[JsonObject] = body["data"]
        return created

    def delete_all_rules(self) -> None:
        self._call("POST", RULES_PATH, params={"delete_all": "true"}, headers=self._auth())

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.bearer_token}"}


class FakeX(FakeXClient):
    """A fake X server in a background thread; a context manager.

    Keyword arguments are :class:`~tools.fakex.engine.FakeXConfig` fields
    (``rate``, ``seed``, ``bearer_token``, ``keepalive``, ``replay``,
    ``max_rules``, ``pool_size``, ``start``) plus ``host`` and ``port``
    (0, the default, picks a free port).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, **config: Any) -> None:
        if isinstance(config.get("replay"), str):
            config["replay"] = Path(config["replay"])
        self.config = replace(FakeXConfig(), **config)
        self.engine = Engine(self.config)
        self.server = FakeXServer(self.engine, host, port)
        super().__init__(self.server.url, self.config.bearer_token)
        self._thread: threading.Thread | None = None

    def start(self) -> FakeX:
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name="fake-x",
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.server.stop()
            self._thread.join(timeout=5)
            self._thread = None
        else:
            self.server.server_close()
        self.session.close()

    def __enter__(self) -> FakeX:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
