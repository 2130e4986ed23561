"""Kinesis and DynamoDB going away or throttling, under a steady flow of tweets.

Kinesis faults hit every component (all reach Kinesis through ``rig.kinesis``):
the streamer must carry an outage in its spool and retry refused records; the
consumer simply reads later. DynamoDB faults hit the consumer alone (through
``rig.dynamo``): a record that fails because DynamoDB is away is retried, never
dead-lettered, and Kinesis keeps everything meanwhile.
"""

from __future__ import annotations

import time
from pathlib import Path

from chaos.results import Outcome
from chaos.stream.rig import Rig
from chaos.stream.window import Window


def spool_bytes(local_dir: str | Path) -> int:
    """Bytes of records waiting in a streamer's spool (read-only: never opens it as a Spool).

    Opening a :class:`~streamer.spool.Spool` would run its crash
    recovery, which may cut a frame the live streamer is writing.
    """
    folder = Path(local_dir) / "spool"
    try:
        size = (folder / "spool.log").stat().st_size
    except FileNotFoundError:
        return 0
    try:
        offset = int((folder / "spool.offset").read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        offset = 0
    return max(0, size - offset)


def spool_depth(rig: Rig) -> int:
    return spool_bytes(rig.data_dir)


def kinesis_outage(rig: Rig, seconds: float, name: str = "kinesis-outage") -> Outcome:
    """Kinesis unreachable for the streamer: its spool must carry the outage."""
    window = Window(rig, name, f"Kinesis unreachable for the streamer for {_human(seconds)}")
    window.calm(rig.profile.calm)
    rig.kinesis.down()
    deepest = _hold(rig, seconds)
    rig.kinesis.up()
    window.backlog_of(seconds)
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish()
    outcome.counts["deepest_spool_bytes"] = deepest
    outcome.check(
        "the streamer spooled to disk during the outage", deepest > 0, "the spool stayed empty"
    )
    outcome.check("the spool was replayed and is empty", spool_depth(rig) == 0)
    return outcome


def kinesis_outage_consumer(rig: Rig, seconds: float) -> Outcome:
    """Kinesis unreachable for the consumer: it must resume where it was, skipping nothing."""
    window = Window(
        rig,
        "kinesis-outage-consumer",
        f"Kinesis unreachable for the consumer for {_human(seconds)}",
    )
    window.calm(rig.profile.calm)
    rig.consumer_kinesis.down()
    _hold(rig, seconds)
    rig.consumer_kinesis.up()
    window.fault_over()
    window.calm(rig.profile.calm)
    return window.finish()


def kinesis_throttle(rig: Rig, seconds: float, share: float = 0.3) -> Outcome:
    window = Window(
        rig, "kinesis-throttle",
        f"Kinesis refuses {share:.0%} of PutRecords entries for {_human(seconds)}",
    )  # fmt: skip
    window.calm(rig.profile.calm)
    refused_before = rig.kinesis.stats["refused records"]
    rig.kinesis.throttle(share)
    _hold(rig, seconds)
    rig.kinesis.throttle(0)
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish()
    refused = rig.kinesis.stats["refused records"] - refused_before
    outcome.check("Kinesis really refused records", refused > 0, "none refused")
    return outcome


def dynamo_outage(rig: Rig, seconds: float) -> Outcome:
    window = Window(
        rig, "dynamodb-outage",
        f"DynamoDB unreachable for the consumer for {_human(seconds)}",
    )  # fmt: skip
    window.calm(rig.profile.calm)
    rig.dynamo.down()
    _hold(rig, seconds)
    rig.dynamo.up()
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish(dead_letters=0)
    outcome.notes.append("An outage is not poison: records are retried, none dead-lettered.")
    return outcome


def dynamo_throttle(rig: Rig, seconds: float, share: float = 0.3) -> Outcome:
    window = Window(
        rig, "dynamodb-throttle",
        f"DynamoDB throttles {share:.0%} of the consumer's writes and reads for {_human(seconds)}",
    )  # fmt: skip
    window.calm(rig.profile.calm)
    before = dict(rig.dynamo.stats)
    rig.dynamo.throttle(share)
    _hold(rig, seconds)
    rig.dynamo.throttle(0)
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish(dead_letters=0)
    throttled = {k: v - before.get(k, 0) for k, v in rig.dynamo.stats.items()}
    outcome.counts["dynamo_throttled"] = {k: v for k, v in throttled.items() if v}
    outcome.check(
        "DynamoDB really left writes unprocessed",
        throttled.get("unprocessed items", 0) > 0,
        f"{throttled}",
    )
    return outcome


def _hold(rig: Rig, seconds: float) -> int:
    """Let the fault last ``seconds``; returns the deepest spool seen meanwhile."""
    deadline = time.monotonic() + seconds
    deepest = 0
    while time.monotonic() < deadline:
        deepest = max(deepest, spool_depth(rig))
        time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
    return max(deepest, spool_depth(rig))


def _human(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 120 else f"{seconds:g} s"
