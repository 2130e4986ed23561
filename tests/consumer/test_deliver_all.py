"""Fan-outs of one chunk run in parallel, results in order, no write left in flight on failure."""

from __future__ import annotations

import threading
import time

import pytest

from chalicelib.consumer.service import DELIVERY_WORKERS, deliver_all


def test_results_keep_the_order_of_the_tweets_and_none_wrote_nothing() -> None:
    def writes(n: int, delay: float) -> int:
        time.sleep(delay)
        return n

    calls = [lambda: writes(3, 0.05), None, lambda: writes(1, 0.0), lambda: writes(7, 0.02)]
    assert deliver_all(calls) == [3, 0, 1, 7]
    assert deliver_all([]) == []
    assert deliver_all([None, lambda: 2]) == [0, 2]


def test_fan_outs_overlap() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def slow() -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.1)
        with lock:
            running -= 1
        return 1

    assert deliver_all([slow] * DELIVERY_WORKERS) == [1] * DELIVERY_WORKERS
    assert most > 1


def test_a_failure_is_raised_after_every_other_fan_out_finished() -> None:
    finished: list[int] = []

    def ok(n: int) -> int:
        time.sleep(0.2)
        finished.append(n)
        return n

    def boom() -> int:
        raise RuntimeError("throttled")

    with pytest.raises(RuntimeError, match="throttled"):
        deliver_all([boom, lambda: ok(1), lambda: ok(2)])
    assert sorted(finished) == [1, 2]
