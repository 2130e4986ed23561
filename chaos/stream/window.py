"""One scenario's measurement: a slice of X's timeline, a fault in it, the proof after.

Open a window, inject the fault, call :meth:`Window.fault_over` when the
fault ends (a thread starts timing the recovery: until every tweet X emitted
up to then is stored), let the system run a little, then :meth:`finish`
waits for the rest to settle and checks the claims against ground truth.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter

import orjson

from chalicelib.core import aws, records
from chalicelib.core.settings import Settings
from chaos.results import Outcome
from chaos.stream.accounting import StoreProbe, check_feeds
from chaos.stream.rig import Rig
from tools.localcloud.readback import stream_data

#: The local consumer runner exiting is a fault of local tooling, not of the
#: deployed system (Lambda runs the consumer there): recorded, restarted, measured on.
#: (Shard discovery used to give up when Kinesis or DynamoDB was away: fixed.)
RUNNER_EXITS = (
    "the local consumer runner exited during the fault (its last log lines are in "
    "component_exits); the watchdog restarted it"
)


class Window:
    def __init__(self, rig: Rig, scenario: str, title: str, *, expect_loss: bool = False) -> None:
        self.rig = rig
        #: A control scenario: tweets X never sent are expected to be missing.
        self.expect_loss = expect_loss
        self.outcome = Outcome(scenario, title, profile=rig.profile.name)
        self.first_slot = rig.fake.slot_now()
        self.ledger_from = len(rig.fake.engine.ledger)
        self.connections_before = rig.connections()
        self.started = time.monotonic()
        #: How long to wait for everything to be stored once the fault is over.
        self.settle_timeout = rig.profile.settle_timeout
        self.fault_end_slot: int | None = None
        self._recovery: float | None = None
        self._watch: threading.Thread | None = None
        self.dead_letters_before = dead_letter_count(rig.settings)
        self.proxy_stats = {name: dict(p.stats) for name, p in rig.proxies.items()}
        self.exits_before = len(rig.guard.exits)
        self.watchdog = rig.guard

    def calm(self, seconds: float) -> None:
        """Let tweets flow for ``seconds`` (nothing injected)."""
        time.sleep(seconds)

    def backlog_of(self, seconds: float) -> None:
        """The fault left ``seconds`` of tweets to catch up on (an outage, a long
        reconnect with backfill): allow twice that to settle, on top of the usual."""
        usual = self.rig.profile.settle_timeout
        self.settle_timeout = max(self.settle_timeout, usual + 2 * seconds)

    def fault_over(self) -> None:
        """The fault has ended: start timing until X's tweets up to now are all stored."""
        self.fault_end_slot = self.rig.fake.slot_now()
        pending = set(self.rig.fake.emitted(self.first_slot, self.fault_end_slot))
        if self.expect_loss:
            pending &= self._sent_ids()
        ended = time.monotonic()

        def watch() -> None:
            probe = StoreProbe(self.rig.settings)
            waited = probe.wait_for(pending, self.settle_timeout)
            if waited is not None:
                self._recovery = time.monotonic() - ended

        self._watch = threading.Thread(target=watch, name="recovery-watch", daemon=True)
        self._watch.start()

    def _report_exits(self) -> None:
        exits = self.watchdog.exits[self.exits_before :]
        if not exits:
            return
        self.outcome.counts["component_exits"] = [
            {"component": e.component, "log": e.log_tail[-300:]} for e in exits
        ]
        others = [e for e in exits if e.component != "consumer"]
        if len(others) < len(exits):
            self.outcome.known.append(RUNNER_EXITS)
        self.outcome.check(
            "the API stayed up", not others, "; ".join(e.log_tail[-200:] for e in others)
        )

    def _sent_ids(self) -> set[str]:
        """Tweets the fake X wrote on a connection since the window opened."""
        return {str(e["id"]) for e in self.rig.fake.engine.ledger.entries(self.ledger_from)}

    def _proxy_deltas(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for name, proxy in self.rig.proxies.items():
            before = self.proxy_stats.get(name, {})
            delta = {k: v - before.get(k, 0) for k, v in proxy.stats.items()}
            delta = {k: v for k, v in delta.items() if v and not k.startswith("calls:")}
            if delta:
                out[name] = delta
        return out

    def new_dead_letters(self) -> int:
        return dead_letter_count(self.rig.settings) - self.dead_letters_before

    def finish(
        self,
        *,
        dead_letters: int | None = 0,
        subscriptions: dict[str, set[str]] | None = None,
    ) -> Outcome:
        """Wait for everything to be stored, then check every claim; returns the outcome."""
        rig, outcome = self.rig, self.outcome
        if self.fault_end_slot is None:
            self.fault_over()
        end_slot = rig.fake.slot_now()
        emitted = rig.fake.emitted(self.first_slot, end_slot)
        expect_loss = self.expect_loss
        probe = StoreProbe(rig.settings)
        awaited = set(emitted) & self._sent_ids() if expect_loss else set(emitted)
        probe.wait_for(awaited, self.settle_timeout)
        if self._watch is not None:
            self._watch.join(self.settle_timeout)
        self._report_exits()
        stored = probe.stored(emitted)
        lost = set(emitted) - stored
        sent = rig.fake.engine.ledger.entries(self.ledger_from)
        kinds = Counter(str(entry["kind"]) for entry in sent)
        sent_ids = {str(entry["id"]) for entry in sent} & set(emitted)
        sent_lost = sent_ids - stored
        followers = rig.subscriptions if subscriptions is None else subscriptions
        feeds = check_feeds(rig.settings, followers, {t: set(emitted[t]) for t in stored})
        outcome.emitted, outcome.stored, outcome.lost = len(emitted), len(stored), len(lost)
        outcome.duplicated_in_feeds = feeds.duplicates
        outcome.recovery_s = None if self._recovery is None else round(self._recovery, 1)
        outcome.seconds = round(time.monotonic() - self.started, 1)
        outcome.counts.update(
            {
                "sent_by_kind": dict(kinds),
                "reconnects": rig.connections() - self.connections_before,
                "feed_items_checked": feeds.items_checked,
                "faults_injected": self._proxy_deltas(),
            }
        )
        if lost:
            outcome.counts["lost_where"] = where_lost(rig.settings, lost)
        if expect_loss:
            outcome.check(
                "every tweet X sent on a connection was stored (gaps are X's, not ours)",
                not sent_lost, sample_ids(sent_lost),
            )  # fmt: skip
        else:
            outcome.check("no tweet X emitted was lost", not lost, sample_ids(lost))
            outcome.check("every tweet X sent was stored", not sent_lost, sample_ids(sent_lost))
        outcome.check(
            "each subscriber's feed holds each of its tweets exactly once",
            feeds.duplicates == 0 and feeds.missing == 0 and feeds.unexpected == 0,
            f"duplicates={feeds.duplicates} missing={feeds.missing} "
            f"unexpected={feeds.unexpected} {feeds.examples[:3]}",
        )
        outcome.check(
            "recovered: everything emitted before the fault ended got stored",
            self._recovery is not None or expect_loss,
            "" if self._recovery is not None else f"not within {self.settle_timeout:.0f} s",
        )
        if dead_letters is not None:
            letters = self.new_dead_letters()
            outcome.check(
                f"{dead_letters} new dead letters", letters == dead_letters, f"found {letters}"
            )
        return outcome


def sample_ids(ids: set[str]) -> str:
    return f"{len(ids)}: {sorted(ids)[:3]}" if ids else ""


def where_lost(settings: Settings, lost: set[str]) -> dict[str, int]:
    """Whether lost tweets reached Kinesis (lost on the consumer's side) or never did."""
    in_stream = {tweet_id for tweet_id in stream_tweet_ids(settings) if tweet_id in lost}
    return {"in Kinesis, not stored": len(in_stream), "never in Kinesis": len(lost - in_stream)}


def stream_tweet_ids(settings: Settings) -> set[str]:
    """Every tweet id in the stream, all shards, from the start (a diagnosis, not a check)."""
    found: set[str] = set()
    for data in stream_data(settings):
        try:
            entries = records.decode(data)
        except Exception:  # noqa: BLE001 - poison put there by a scenario
            entries = []
        for entry in entries:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                found.add(str(orjson.loads(entry.line)["data"]["id"]))
    return found


def dead_letter_count(settings: Settings) -> int:
    sqs = aws.client(settings, "sqs")
    url = sqs.get_queue_url(QueueName=settings.dead_letter_queue)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(v) for v in attributes.values())
