"""Waiting for a component to be usable, or failing with why it is not.

A component that dies while we wait is reported at once with its exit code
and the end of its log, rather than after the whole timeout: the first thing
a newcomer needs when the demo does not start is the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import requests

from tools.localcloud.processes import ManagedProcess

T = TypeVar("T")


class CompositionError(RuntimeError):
    """A component could not start or stopped unexpectedly; one line, says which."""


def died(process: ManagedProcess) -> CompositionError:
    code = process.popen.returncode if process.popen is not None else None
    tail = process.log_tail(3)
    return CompositionError(
        f"{process.name} exited with code {code} (log {process.log_path})"
        + (f": {tail}" if tail else "")
    )


def wait_http(process: ManagedProcess, url: str, deadline: float) -> None:
    """Until ``url`` answers below 500, ``process`` dies or ``deadline`` (monotonic) passes."""
    session = requests.Session()
    session.trust_env = False  # loopback: never through a proxy
    try:
        while True:
            if not process.alive():
                raise died(process)
            try:
                if session.get(url, timeout=1.0).status_code < 500:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise CompositionError(
                    f"{process.name} did not answer at {url} in time (log {process.log_path})"
                )
            time.sleep(0.1)
    finally:
        session.close()


def wait_until(
    probe: Callable[[], T | None],
    timeout: float,
    what: str,
    *,
    every: float = 0.2,
    watch: Callable[[], None] | None = None,
) -> T:
    """Call ``probe`` until it returns something other than None; ``what`` names it on timeout.

    ``watch`` runs before each try (a composition passes its health check, so a
    crashed component ends the wait with its own error).
    """
    deadline = time.monotonic() + timeout
    while True:
        if watch is not None:
            watch()
        result = probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise CompositionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)
