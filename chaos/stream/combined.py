"""The steady state for reference, and several faults at once."""

from __future__ import annotations

import time

from chaos.results import Outcome
from chaos.stream.rig import Rig
from chaos.stream.window import Window
from chaos.stream.xfaults import fire
from tools.composition import CONSUMER
from tools.fakex.faults import Drop, Duplicate, Malformed, OperationalDisconnect


def baseline(rig: Rig) -> Outcome:
    """No fault: "time to recover" here is the pipeline's normal latency, for comparison."""
    window = Window(rig, "baseline", "no fault: steady flow (recovery = normal latency)")
    window.calm(2 * rig.profile.calm)
    window.fault_over()
    window.calm(rig.profile.calm)
    return window.finish()


def combined(rig: Rig, seconds: float) -> Outcome:
    """Throttled Kinesis and DynamoDB while X drops, disconnects, duplicates and garbles;
    then Kinesis goes away while the consumer is killed and restarted."""
    window = Window(
        rig, "combined",
        "Kinesis and DynamoDB throttled while X drops, disconnects, duplicates and garbles; "
        "then Kinesis away while the consumer is killed",
    )  # fmt: skip
    window.calm(rig.profile.calm)
    rig.kinesis.throttle(0.3)
    rig.dynamo.throttle(0.2)
    fire(rig, Duplicate(after=2), Malformed(after=4), Drop(after=8))
    fire(rig, OperationalDisconnect(after=10, disconnect_type="ForceDisconnect"))
    time.sleep(seconds)
    rig.kinesis.throttle(0)
    rig.dynamo.throttle(0)
    with window.watchdog.paused():
        rig.kinesis.down()
        rig.running.kill(CONSUMER)
        time.sleep(max(seconds, 6.0))
        rig.kinesis.up()
        rig.running.restart(CONSUMER)
    window.fault_over()
    window.calm(rig.profile.calm)
    return window.finish()
