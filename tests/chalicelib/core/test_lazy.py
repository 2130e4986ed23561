"""The per-process default: built once, on first use, whatever the threads."""

from __future__ import annotations

import threading
import time

from chalicelib.core.lazy import ProcessDefault


def test_built_once_on_first_use_even_when_threads_race() -> None:
    builds: list[int] = []

    def build() -> object:
        time.sleep(0.01)  # widen the window a racing thread could slip into
        builds.append(1)
        return object()

    default: ProcessDefault[object] = ProcessDefault(build)
    assert default.peek() is None and builds == []
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(default.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(builds) == 1 and len({id(value) for value in seen}) == 1
    assert default.peek() is seen[0]


def test_set_replaces_it_and_none_builds_again() -> None:
    default: ProcessDefault[list[int]] = ProcessDefault(lambda: [1])
    mine = [2]
    default.set(mine)
    assert default.get() is mine
    default.set(None)
    assert default.get() == [1] and default.get() is not mine
