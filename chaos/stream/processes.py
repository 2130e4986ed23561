"""Processes dying: the streamer (SIGKILL with and without a standby, ECS's SIGTERM)
and the consumer runner (SIGKILL mid-batch).

* SIGKILL without a standby: ECS starts a new task after a while. Here the
  kill happens while Kinesis is away, so the spool holds records; the restart
  finds the spool and replays it, takes the lease over when the dead holder's
  expires, and asks X for the missed minutes (backfill on takeover).
* SIGKILL with a hot standby: the standby takes the lease over and connects
  with backfill; the killed one comes back as the new standby.
* SIGTERM: the streamer flushes, releases the lease and exits 0.
* The consumer runner killed mid-batch restarts from its checkpoints: the
  half-done batch is redone, which is harmless (idempotent by tweet id).
"""

from __future__ import annotations

import signal
import time

from chalicelib.core.settings import env_name
from chaos.results import Outcome
from chaos.stream.awsfaults import spool_bytes
from chaos.stream.rig import Rig
from chaos.stream.window import Window
from tools.composition import CONSUMER, STREAMER
from tools.localcloud.cloud import PROJECT_ROOT
from tools.localcloud.processes import ManagedProcess


def _wait(check: object, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - started


def streamer_sigkill_restart(rig: Rig, restart_after: float) -> Outcome:
    window = Window(
        rig, "streamer-sigkill-restart",
        f"streamer SIGKILLed with records in its spool, restarted {restart_after:g} s later",
    )  # fmt: skip
    window.calm(rig.profile.calm)
    rig.kinesis.down()
    _wait(lambda: spool_bytes(rig.data_dir) > 0, 60, "the streamer to spool")
    time.sleep(1.0)
    rig.running.kill(STREAMER)
    _wait(lambda: not rig.running.process(STREAMER).alive(), 10, "the streamer to die")
    at_kill = spool_bytes(rig.data_dir)
    rig.kinesis.up()
    time.sleep(restart_after)
    connections = rig.connections()
    rig.running.restart(STREAMER)
    took = _wait(lambda: rig.connections() > connections, 60, "the restarted streamer")
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish()
    outcome.counts.update(
        {"spool_bytes_at_kill": at_kill, "restart_to_connected_s": round(took, 1)}
    )
    outcome.check("the killed streamer left records in its spool", at_kill > 0)
    outcome.check("the restart replayed the spool", spool_bytes(rig.data_dir) == 0)
    return outcome


def streamer_sigkill_standby(rig: Rig) -> Outcome:
    window = Window(
        rig, "streamer-sigkill-standby", "streamer SIGKILLed under load; a hot standby takes over"
    )
    system = rig.running
    launch = system.launches[STREAMER]
    standby_dir = rig.data_dir / "standby"
    standby = ManagedProcess(
        name="streamer-standby",
        argv=launch.argv,
        log_path=rig.data_dir / "logs" / "streamer-standby.log",
        cwd=PROJECT_ROOT,
        env={**system.env, **launch.env, env_name("local_dir"): str(standby_dir)},
    )
    standby.start()
    try:
        window.calm(max(rig.profile.calm, 3 * rig.options.poll_interval))
        connections = rig.connections()
        if connections != window.connections_before or not standby.alive():
            window.outcome.check("the standby waited without connecting", False)
        killed = time.monotonic()
        system.kill(STREAMER)
        window.fault_over()
        takeover = _wait(lambda: rig.connections() > connections, 60, "the standby to connect")
        window.calm(rig.profile.calm)
        outcome = window.finish()
        outcome.counts["kill_to_standby_connected_s"] = round(takeover, 1)
        outcome.counts["seconds_since_kill"] = round(time.monotonic() - killed, 1)
        outcome.check("the standby is alive and streaming", standby.alive())
        backfilled = outcome.counts["sent_by_kind"].get("backfill", 0)
        outcome.check("the standby asked X for what it missed", backfilled > 0)
        # The killed one comes back as the standby; then the standby leaves cleanly
        # (releasing the lease) and the composition's streamer holds it again.
        system.restart(STREAMER)
        time.sleep(2 * rig.options.poll_interval)
    finally:
        standby.stop()
    rig.wait_connected()
    return outcome


def streamer_sigterm(rig: Rig, restart_after: float) -> Outcome:
    window = Window(
        rig, "streamer-sigterm",
        f"ECS-style SIGTERM to the streamer, new task {restart_after:g} s later",
    )  # fmt: skip
    window.calm(rig.profile.calm)
    process = rig.running.process(STREAMER)
    rig.running.kill(STREAMER, signal.SIGTERM)
    stopped = _wait(lambda: not process.alive(), 30, "the streamer to exit")
    code = process.popen.returncode if process.popen else None
    time.sleep(restart_after)
    rig.running.restart(STREAMER)
    rig.wait_connected()
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish()
    outcome.counts.update({"exit_code": code, "sigterm_to_exit_s": round(stopped, 1)})
    outcome.check("the streamer exited 0 after SIGTERM", code == 0, f"exit code {code}")
    return outcome


def consumer_sigkill(rig: Rig, restart_after: float) -> Outcome:
    window = Window(
        rig, "consumer-sigkill",
        f"consumer runner SIGKILLed mid-batch, restarted {restart_after:g} s later",
    )  # fmt: skip
    window.calm(rig.profile.calm)
    # A burst first, so the runner is busy in a batch when it dies.
    rig.fake.set_rate(rig.profile.rate * rig.profile.burst_factor)
    time.sleep(2.0)
    with window.watchdog.paused():
        rig.running.kill(CONSUMER)
        rig.fake.set_rate(rig.profile.rate)
        time.sleep(restart_after)
        rig.running.restart(CONSUMER)
    window.fault_over()
    window.calm(rig.profile.calm)
    return window.finish()
