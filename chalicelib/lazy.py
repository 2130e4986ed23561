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
