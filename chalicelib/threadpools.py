"""Named thread pools shared by the whole process (warm Lambda invocations reuse them).

Separate names for separate layers: the consumer's fan-outs wait on the
feeds' writes, so sharing one pool could leave every thread waiting on work
that has no thread left to run it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
_pools: dict[str, ThreadPoolExecutor] = {}


def shared_pool(name: str, workers: int) -> ThreadPoolExecutor:
    """The process's pool called ``name``, created on first use with ``workers`` threads."""
    with _lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = ThreadPoolExecutor(workers, thread_name_prefix=name)
        return pool
