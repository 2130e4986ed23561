"""The composition's HTTP API as a scenario calls it: real requests, real tokens."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import requests


@dataclass
class Call:
    method: str
    path: str
    status: int
    seconds: float
    body: Any


@dataclass
class ApiClient:
    base_url: str
    token: str
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.trust_env = False  # loopback: never through a proxy
        self.session.headers["Authorization"] = f"Bearer {self.token}"

    def request(self, method: str, path: str, body: Any = None) -> Call:
        started = time.monotonic()
        response = self.session.request(method, self.base_url + path, json=body, timeout=30)
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = response.text[:200]
        call = Call(method, path, response.status_code, time.monotonic() - started, data)
        self.calls.append(call)
        return call

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        call = self.request(method, path, body)
        if call.status >= 300:
            raise RuntimeError(f"{method} {path} -> {call.status} {call.body}")
        return call.body
