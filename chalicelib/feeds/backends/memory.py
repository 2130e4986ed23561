"""The in-process reference backend: for unit tests, and the protocol in action.

Everything lives in dicts behind one lock. It also serves as its own user
directory and broadcast job store, so the whole public API, broadcasts
included, runs with no server. Nothing survives the process.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Sequence

from chalicelib.core.settings import Settings
from chalicelib.feeds.items import BatchMark, StreamItem
from chalicelib.feeds.protocol import Addition, BroadcastJob, ReadWindow, UserPage


class MemoryBackend:
    """Feeds as sorted lists of sort keys (oldest first) plus a key → item map."""

    def __init__(self, settings: Settings | None = None, *, max_length: int | None = None) -> None:
        if max_length is None:
            max_length = settings.feed_max_length if settings is not None else 0
        self.max_length = max_length
        self._lock = threading.Lock()
        self._keys: dict[str, list[str]] = {}
        self._items: dict[str, dict[str, StreamItem]] = {}
        self._users: list[str] = []
        self._jobs: dict[str, BroadcastJob] = {}

    # FeedBackend
    def add(self, users: Sequence[str], item: StreamItem) -> None:
        self.add_many([Addition(item, users)])

    # SupportsAddMany
    def add_many(self, additions: Sequence[Addition], mark: BatchMark | None = None) -> None:
        with self._lock:
            for addition in additions:
                key = addition.item.sort_key
                for user in addition.users:
                    items = self._items.setdefault(user, {})
                    if key in items:
                        continue  # a retried add: already there, already counted
                    keys = self._keys.setdefault(user, [])
                    bisect.insort(keys, key)
                    items[key] = addition.item
                    self._trim(user)

    def count(self, user: str) -> int:
        with self._lock:
            return len(self._keys.get(user, ()))

    def read(self, user: str, window: ReadWindow) -> list[StreamItem]:
        with self._lock:
            items = self._items.get(user, {})
            return [items[k] for k in self._window(user, window)]

    # SupportsKeys
    def read_keys(self, user: str, window: ReadWindow) -> list[str]:
        with self._lock:
            return self._window(user, window)

    # SupportsImport
    def import_items(self, user: str, items: Iterable[StreamItem]) -> int:
        added = 0
        for item in items:
            self.add([user], item)
            added += 1
        return added

    # UserDirectory
    def users_after(self, after: str | None, limit: int) -> UserPage:
        with self._lock:
            start = 0 if after is None else bisect.bisect_right(self._users, after)
            users = self._users[start : start + limit]
            more = start + limit < len(self._users)
        return UserPage(users, users[-1] if more and users else None)

    def register_users(self, users: Iterable[str]) -> None:
        with self._lock:
            known = set(self._users)
            self._users = sorted(known.union(users))

    # JobStore
    def load_job(self, job_id: str) -> BroadcastJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def create_job(self, job: BroadcastJob) -> BroadcastJob:
        with self._lock:
            return self._jobs.setdefault(job.job_id, job)

    def save_job(self, job: BroadcastJob) -> None:
        with self._lock:
            self._jobs[job.job_id] = job

    def _window(self, user: str, window: ReadWindow) -> list[str]:
        keys = self._keys.get(user, [])
        if window.newest_first:
            end = len(keys) if window.after is None else bisect.bisect_left(keys, window.after)
            return keys[max(0, end - window.limit) : end][::-1]
        begin = 0 if window.after is None else bisect.bisect_right(keys, window.after)
        return keys[begin : begin + window.limit]

    def _trim(self, user: str) -> None:
        keys = self._keys[user]
        excess = len(keys) - self.max_length if self.max_length else 0
        if excess > 0:
            for key in keys[:excess]:
                del self._items[user][key]
            del keys[:excess]
