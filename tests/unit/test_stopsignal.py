"""SIGTERM unwinds the long-running commands like Ctrl-C, and cannot cut clean-up short."""

from __future__ import annotations

import os
import signal
import time

import pytest

from chalicelib.stopsignal import Stopped, signals_ignored, sigterm_raises


def test_sigterm_raises_inside_the_block_and_the_old_handler_returns() -> None:
    before = signal.getsignal(signal.SIGTERM)
    cleaned_up = False
    with pytest.raises(Stopped), sigterm_raises():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
            pytest.fail("SIGTERM did not raise")
        finally:
            cleaned_up = True
    assert cleaned_up
    assert signal.getsignal(signal.SIGTERM) == before


def test_signals_ignored_while_cleaning_up() -> None:
    seen: list[int] = []
    sigint_before = signal.getsignal(signal.SIGINT)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(signum))
    try:
        with signals_ignored():
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)  # would raise KeyboardInterrupt if not ignored
            time.sleep(0.1)
        assert seen == []
        assert signal.getsignal(signal.SIGINT) == sigint_before
        os.kill(os.getpid(), signal.SIGTERM)
        assert seen == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)
