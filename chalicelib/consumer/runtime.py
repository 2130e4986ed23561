"""The process's consumer, built on first use and replaceable in tests.

Lambda keeps a process warm across invocations, so clients, the tweet model
and the feeds backend are built once. Nothing is read at import time:
``app.py`` imports cleanly without AWS, and tests install their own
:class:`~chalicelib.consumer.service.Consumer` for their stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.lazy import ProcessDefault
from chalicelib.core.settings import load_settings

if TYPE_CHECKING:
    from chalicelib.consumer.service import Consumer


def _build() -> Consumer:
    from chalicelib.consumer.service import Consumer
    from chalicelib.consumer.telemetry import logger

    settings = load_settings()
    logger.setLevel(settings.log_level)
    return Consumer.from_settings(settings)


_current: ProcessDefault[Consumer] = ProcessDefault(_build)


def current() -> Consumer:
    """The consumer for the environment's settings, built once per process."""
    return _current.get()


def install(consumer: Consumer | None) -> None:
    """Use ``consumer`` for every invocation (None: rebuild from the environment)."""
    _current.set(consumer)
