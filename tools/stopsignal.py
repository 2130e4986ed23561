"""SIGTERM as Ctrl-C for the long-running commands (local cloud, demo, API, fake X).

ECS, a demo supervisor and ``kill`` all stop a command with SIGTERM, whose
default action ends Python without running ``finally`` blocks: children and
sockets would be left behind. Inside ``sigterm_raises()`` SIGTERM raises
``Stopped`` in the main thread instead, so the command unwinds exactly as it
does for KeyboardInterrupt; ``signals_ignored()`` keeps a second signal from
cutting its clean-up short.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Stopped(BaseException):
    """SIGTERM arrived while ``sigterm_raises()`` was active.

    A BaseException, like KeyboardInterrupt: raised in whatever the main thread
    was doing, it must not be caught by an ``except Exception`` on the way (an
    HTTP server's request error handler swallowed it, and the server served on).
    """


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """SIGTERM raises ``Stopped`` inside the block; the previous handler comes back after."""
    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_ignored(*signums: signal.Signals) -> Iterator[None]:
    """Ignore these signals (default SIGINT and SIGTERM) while the block cleans up."""
    chosen = signums or (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in chosen}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
