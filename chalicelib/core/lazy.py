"""One value per process, built on first use: the Lambda container's warm state.

A Lambda container imports ``app.py`` once and serves many invocations, so
the consumer, the API's runtime and the feeds are built once and kept.
Tests and scripts replace the value with ``set`` (None: build again from the
environment on next use).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
T = TypeVar("T")


class ProcessDefault(Generic[T]):
    """A value built by ``build`` on first ``get``, once, whatever the threads."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: T | None = None

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value

    def peek(self) -> T | None:
        """The value if it was built or set; never builds it."""
        with self._lock:
            return self._value

    def set(self, value: T | None) -> None:
        with self._lock:
            self._value = value


class ProcessCache(Generic[K, T]):
    """One value per key per process (a client per endpoint, a store per table), built once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[K, T] = {}

    def get(self, key: K, build: Callable[[], T]) -> T:
        with self._lock:
            found = self._values.get(key)
            if found is None:
                found = self._values[key] = build()
            return found

    def clear(self) -> None:
        """Forget every value: the next ``get`` of each key builds it again."""
        self.drain()

    def drain(self) -> list[T]:
        """Forget every value and hand them back (to close them)."""
        with self._lock:
            values = list(self._values.values())
            self._values.clear()
            return values
