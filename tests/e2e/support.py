"""Helpers for the end-to-end tests: an HTTP client for the API and DynamoDB reads."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson
import requests

from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings


@dataclass
class Api:
    """The running API over real HTTP, as a user's client sees it."""

    base_url: str
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.session.trust_env = False  # loopback: never through a proxy

    def call(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.session.request(
            method, self.base_url + path, headers=headers, json=body, timeout=30
        )
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text

    def ok(self, method: str, path: str, token: str, body: Any = None) -> Any:
        status, answer = self.call(method, path, token, body)
        assert 200 <= status < 300, f"{method} {path}: {status} {answer}"
        return answer

    def feed(self, token: str, page_size: int = 100) -> list[dict[str, Any]]:
        """Every item of the caller's feed, in the order the API pages it."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = f"?limit={page_size}" + (f"&cursor={cursor}" if cursor else "")
            page = self.ok("GET", f"/users/me/feed{query}", token)
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                return items


@dataclass(frozen=True)
class StoredTweet:
    tweet_id: str
    term_ids: frozenset[str]
    created_at: str
    #: The stream line exactly as X sent it (the stored payload, decompressed).
    line: dict[str, Any]


def stored_tweets(settings: Settings) -> dict[str, StoredTweet]:
    """Every row of this stage's tweets table (a test stage holds only its own)."""
    found: dict[str, StoredTweet] = {}
    for row in bind_models(settings).tweets.scan():
        line = orjson.loads(zlib.decompress(row.payload)) if row.payload else {}
        found[row.tweet_id] = StoredTweet(
            tweet_id=row.tweet_id,
            term_ids=frozenset(row.term_ids or ()),
            created_at=row.created_at.isoformat(),
            line=line,
        )
    return found
