"""The process's consumer, built on first use and replaceable in tests.

Lambda keeps a process warm across invocations, so clients, the tweet model
and the feeds backend are built once. Nothing is read at import time:
``app.py`` imports cleanly without AWS, and tests install their own
:class:`~chalicelib.consumer.service.Consumer` for their stage.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from chalicelib.settings import load_settings

if TYPE_CHECKING:
    from chalicelib.consumer.service import Consumer

_current: Consumer | None = None
_guard = threading.Lock()


def current() -> Consumer:
    """The consumer for the environment's settings, built once per process."""
    global _current  # noqa: PLW0603 - one lazily built consumer per process
    with _guard:
        if _current is None:
            from chalicelib.consumer.service import Consumer
            from chalicelib.consumer.telemetry import logger

            settings = load_settings()
            logger.setLevel(settings.log_level)
            _current = Consumer.from_settings(settings)
        return _current


def install(consumer: Consumer | None) -> None:
    """Use ``consumer`` for every invocation (None: rebuild from the environment)."""
    global _current  # noqa: PLW0603
    with _guard:
        _current = consumer
