"""Named thread pools shared by the whole process (warm Lambda invocations reuse them).

Separate names for separate layers: the consumer's fan-outs wait on the
feeds' writes, so sharing one pool could leave every thread waiting on work
that has no thread left to run it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

R = TypeVar("R")

_lock = threading.Lock()
_pools: dict[str, ThreadPoolExecutor] = {}


def shared_pool(name: str, workers: int) -> ThreadPoolExecutor:
    """The process's pool called ``name``, created on first use with ``workers`` threads."""
    with _lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = ThreadPoolExecutor(workers, thread_name_prefix=name)
        return pool


def call_all(name: str, workers: int, calls: Sequence[Callable[[], R]]) -> list[R]:
    """Each call's result, run on pool ``name``; a single call runs in this thread.

    Waits for every call even when one fails, then re-raises the first failure
    in call order: nothing is still in flight when the caller sees the error
    (and perhaps retries).
    """
    if len(calls) <= 1:
        return [call() for call in calls]
    futures = [shared_pool(name, workers).submit(call) for call in calls]
    wait(futures)
    return [future.result() for future in futures]
