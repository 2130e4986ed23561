"""Keep the consumer runner and the API up during a scenario, and say when they fell.

On AWS neither is a process of ours (Lambda runs the consumer from the event
source mapping, API Gateway the API), so a local runner that exits is a bug
of the local tooling, not a loss of data: the watchdog records the exit (with
the last log lines) as a finding, starts the component again as a supervisor
would, and the scenario goes on measuring what reaches storage. Scenarios that
kill a component on purpose pause it.

One watchdog lives as long as its rig, on a thread of its own: the children it
starts die with the thread that started them (``PR_SET_PDEATHSIG`` follows the
parent thread, not the process), so that thread must outlive every scenario.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tools.composition import API, CONSUMER, Composition

WATCHED = (CONSUMER, API)


@dataclass
class Exit:
    component: str
    at: float
    log_tail: str


@dataclass
class Watchdog:
    system: Composition
    exits: list[Exit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._paused = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)
        self._thread.start()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """While inside, components may be down on purpose."""
        with self._lock:
            self._paused += 1
        try:
            yield
        finally:
            with self._lock:
                self._paused -= 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                if self._paused:
                    continue
                for name in WATCHED:
                    process = self.system.processes.get(name)
                    if process is None or process.alive():
                        continue
                    self.exits.append(Exit(name, time.time(), process.log_tail(3)))
                    time.sleep(1.0)  # a supervisor's pause before a restart
                    self.system.restart(name)
