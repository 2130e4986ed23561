"""A 10x burst over the steady rate: the backlog must drain with nothing lost."""

from __future__ import annotations

import time

from chaos.results import Outcome
from chaos.stream.rig import Rig
from chaos.stream.window import Window


def burst(rig: Rig, seconds: float, factor: int) -> Outcome:
    steady = rig.profile.rate
    window = Window(
        rig, "burst-10x",
        f"{factor}x the steady rate ({steady:g} -> {steady * factor:g} tweets/s) for {seconds:g} s",
    )  # fmt: skip
    window.calm(rig.profile.calm)
    rig.fake.set_rate(steady * factor)
    deadline = time.monotonic() + seconds
    peak_lag = 0.0
    while time.monotonic() < deadline:
        lag = rig.running.consumer_totals().last_lag_ms or 0.0
        peak_lag = max(peak_lag, lag)
        time.sleep(0.5)
    rig.fake.set_rate(steady)
    # The burst leaves (factor - 1) x its length of steady-rate tweets to catch up on.
    window.backlog_of(seconds * (factor - 1))
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish()
    outcome.counts["peak_consumer_lag_ms"] = round(
        max(peak_lag, rig.running.consumer_totals().last_lag_ms or 0.0)
    )
    return outcome
