"""X misbehaving: drops, in-stream disconnects, 429/503 storms, stalls, bad lines, duplicates.

Each scenario arms faults on the fake X server (they fire after a number of
tweets), waits for them to fire and for the streamer to reconnect, then lets
the window prove that every tweet X emitted reached storage and feeds once.
The streamer runs with ``--backfill-minutes``: after each reconnect X re-sends
the last minute(s), which covers what was in flight or published while we
were away; duplicates from the overlap are harmless (stored by tweet id).
"""

from __future__ import annotations

import time

from chaos.results import Outcome
from chaos.stream.accounting import StoreProbe
from chaos.stream.fakex import bad_line
from chaos.stream.rig import Rig
from chaos.stream.window import Window, sample_ids
from tools.fakex.faults import (
    ConnectError,
    Drop,
    Duplicate,
    Fault,
    Malformed,
    OperationalDisconnect,
    Stall,
)
from tools.fakex.problems import DISCONNECT_TYPES


def fire(rig: Rig, *faults: Fault, reconnect: bool = True, timeout: float = 120.0) -> None:
    """Arm ``faults``, wait until they have fired and (``reconnect``) X was reconnected to."""
    before = rig.connections()
    rig.fake.set_faults(*faults)
    deadline = time.monotonic() + timeout
    while rig.fake.faults() or (reconnect and rig.connections() <= before):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{faults} did not fire (or no reconnect) in {timeout:.0f} s")
        time.sleep(0.1)


def drops(rig: Rig, *, every: int = 40, times: int = 3) -> Outcome:
    window = Window(rig, "x-drops", f"X drops the connection every {every} tweets, {times} times")
    window.calm(rig.profile.calm)
    for _ in range(times):
        fire(rig, Drop(after=every))
    window.fault_over()
    window.calm(rig.profile.calm)
    return window.finish()


def drops_without_backfill(rig: Rig, *, times: int = 2) -> Outcome:
    """The control: with backfill off, a reconnect gap is lost, and the accounting sees it.

    Each drop is followed by one HTTP 503, so tweepy waits 5 s before reconnecting:
    X publishes about ``5 * rate`` tweets meanwhile that nobody re-sends.
    """
    window = Window(
        rig, "x-drops-no-backfill",
        f"X drops the connection and answers 503 once, {times} times; "
        "streamer without --backfill-minutes (control: loss expected)",
        expect_loss=True,
    )  # fmt: skip
    window.calm(rig.profile.calm)
    for _ in range(times):
        fire(rig, Drop(after=10), ConnectError(status=503, count=1))
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish()
    outcome.check(
        "the accounting sees the gap X left (tweets lost without backfill)",
        bool(outcome.lost), "nothing lost: the control did not create a gap",
    )  # fmt: skip
    outcome.notes.append(
        "Expected loss: tweets X published while the streamer waited to reconnect; without "
        "backfill nobody re-sends them. Every tweet X did send was stored."
    )
    return outcome


def disconnects(rig: Rig, kinds: tuple[str, ...] = DISCONNECT_TYPES) -> Outcome:
    window = Window(rig, "x-disconnects", f"X's in-stream disconnect messages ({len(kinds)} types)")
    window.calm(rig.profile.calm)
    for kind in kinds:
        fire(rig, OperationalDisconnect(after=15, disconnect_type=kind))
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish()
    outcome.counts["disconnect_types"] = list(kinds)
    return outcome


def connect_errors(rig: Rig, status: int, count: int) -> Outcome:
    name = "x-429-storm" if status == 429 else f"x-{status}-storm"
    backfill_s = rig.options.backfill_minutes * 60
    # After the first 429 every further one waits out a whole rate-limit window
    # (X's: 15 minutes), longer than any backfill (5 at most): X never re-sends the
    # start of such a gap, so this is a measured loss, not a zero-loss claim.
    beyond_backfill = status == 429 and (count - 1) * rig.profile.rate_limit_window > backfill_s
    window = Window(
        rig,
        name,
        f"X answers {count} reconnect{'s' if count > 1 else ''} in a row with HTTP {status}"
        + (" (waits beyond backfill: loss expected)" if beyond_backfill else ""),
        expect_loss=beyond_backfill,
    )
    window.calm(rig.profile.calm)
    started = time.monotonic()
    # Each 429 can mean waiting out a whole rate-limit window, and the next
    # connect lands in a fresh window: allow every window plus tweepy's waits.
    windows = count * (rig.profile.rate_limit_window + 120) if status == 429 else 0
    faults = (Drop(after=10), ConnectError(status=status, count=count))
    fire(rig, *faults, timeout=max(1200, windows + 300))
    reconnected_at = rig.fake.engine.clock()
    away = time.monotonic() - started
    window.outcome.counts["seconds_disconnected"] = round(away, 1)
    window.backlog_of(min(away, backfill_s + 60))
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish()
    if beyond_backfill:
        _check_loss_is_older_than_backfill(rig, outcome, window, reconnected_at)
    return outcome


def _check_loss_is_older_than_backfill(
    rig: Rig, outcome: Outcome, window: Window, reconnected_at: float
) -> None:
    """What a long wait may lose is exactly what X no longer re-sends at the reconnect."""
    timeline = rig.fake.timeline
    first_covered = timeline.first_at_or_after(reconnected_at - rig.options.backfill_minutes * 60)
    reconnect_slot = timeline.first_at_or_after(reconnected_at)
    older = set(rig.fake.emitted(window.first_slot, first_covered))
    covered = set(rig.fake.emitted(first_covered, reconnect_slot))
    stored = StoreProbe(rig.settings).stored(older | covered)
    missed, lost_older = covered - stored, older - stored
    outcome.counts["tweets_within_backfill"] = len(covered)
    outcome.check(
        "every tweet X emitted within the backfill window before the reconnect was stored",
        not missed, sample_ids(missed),
    )  # fmt: skip
    where = outcome.counts.get("lost_where", {})
    outcome.check(
        "every lost tweet is older than the backfill window, and none reached Kinesis",
        0 < outcome.lost == len(lost_older) and where.get("in Kinesis, not stored") == 0,
        f"lost={outcome.lost} older than backfill={len(lost_older)} where={where}",
    )
    outcome.notes.append(
        f"Expected loss: the tweets X published more than {rig.options.backfill_minutes} "
        "minutes before the streamer could reconnect; X's backfill does not reach them. "
        "Everything X re-sent or sent live was stored."
    )


def stall(rig: Rig, seconds: float) -> Outcome:
    window = Window(rig, "x-stall", f"X sends nothing, not even keep-alives, for {seconds:g} s")
    window.calm(rig.profile.calm)
    # A stall longer than the streamer's 30 s silence limit ends in a reconnect.
    fire(rig, Stall(after=10, seconds=seconds), reconnect=False, timeout=seconds + 60)
    time.sleep(seconds)
    window.fault_over()
    window.calm(rig.profile.calm)
    return window.finish()


#: Lines X (or a proxy on the way) could garble, sent by the Malformed fault.
BAD_LINES: dict[str, bytes] = {
    "a tweet cut short": b'{"data":{"id":"1","text":"this line was cut sho',
    "an oversized line (600 KB)": b'{"data":{"id":"2","text":"' + b"x" * 600_000 + b'"}}',
    "JSON that is not an object": b'["data", {"id": "3"}]',
    "invalid UTF-8": b'{"data":{"id":"4","text":"\xff\xfe\xfd"}}x',
    "a NUL byte": b'{"data":{"id":"5"\x00}}',
}


def bad_lines(rig: Rig) -> Outcome:
    window = Window(rig, "x-bad-lines", f"X sends {len(BAD_LINES)} kinds of malformed line")
    rejected_before = int((rig.running.stream_status() or {}).get("bad_lines") or 0)
    window.calm(rig.profile.calm)
    for line in BAD_LINES.values():
        with bad_line(line):
            fire(rig, Malformed(after=5), reconnect=False)
            rig.wait_sent(10)
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish(dead_letters=None)
    rejected = int((rig.running.stream_status() or {}).get("bad_lines") or 0) - rejected_before
    set_aside = window.new_dead_letters()
    outcome.counts.update(
        {"rejected_by_streamer": rejected, "dead_lettered_by_consumer": set_aside}
    )
    outcome.check(
        "each bad line was rejected by the streamer or set aside by the consumer",
        rejected + set_aside == len(BAD_LINES),
        f"streamer rejected {rejected}, consumer dead-lettered {set_aside}",
    )
    outcome.notes.append(
        'The streamer passes lines that look like tweets (start with {"data": and end with })'
        " without parsing them; the consumer quarantines the ones that are not JSON."
    )
    return outcome


def duplicates(rig: Rig, times: int = 5) -> Outcome:
    window = Window(rig, "x-duplicates", f"X delivers a tweet twice, {times} times")
    window.calm(rig.profile.calm)
    for _ in range(times):
        fire(rig, Duplicate(after=3), reconnect=False)
        rig.wait_sent(5)
    window.fault_over()
    window.calm(rig.profile.calm)
    outcome = window.finish()
    doubled = outcome.counts["sent_by_kind"].get("duplicate", 0)
    outcome.check("X really sent duplicates", doubled >= times, f"ledger has {doubled}")
    return outcome
