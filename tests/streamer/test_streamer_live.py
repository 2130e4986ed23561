"""The streamer against the fake X server and the local cloud, in process."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import tweepy

from chalicelib.core.keysets import resolve_keyset
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.status.reader import read_status_records
from streamer.assemble import build_streamer, make_pipeline, make_sink
from streamer.heartbeat import StatusRecord
from streamer.runner import Streamer, StreamOptions
from tests.support.keysets import put_keyset
from tests.support.kinesis import read_stream, tweet_ids
from tools.fakex.faults import (
    ConnectError,
    Drop,
    Duplicate,
    Fault,
    Malformed,
    OperationalDisconnect,
    Stall,
)
from tools.fakex.testing import FakeX


def wait_until(check: Callable[[], object], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or check}")


def add_term(settings: Settings, term_id: str, value: str, enabled: bool = True) -> None:
    now = datetime.now(UTC)
    bind_models(settings).terms(
        term_id, value=value, tag=term_id, enabled=enabled, created_at=now, updated_at=now
    ).save()


def status_record(settings: Settings, key_set: str = "main") -> dict[str, object] | None:
    """The key set's status record as the streamer last wrote it."""
    control = bind_models(settings).control
    try:
        data = control.get("streamer", f"status#{key_set}", consistent_read=True).data
    except control.DoesNotExist:
        return None
    return data if isinstance(data, dict) else None


def state(settings: Settings, key_set: str = "main") -> str | None:
    record = status_record(settings, key_set)
    return None if record is None else str(record["state"])


def term(settings: Settings, term_id: str) -> object:
    return bind_models(settings).terms.get(term_id, consistent_read=True)


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX(rate=200, keepalive=0.2, seed=11) as fake:
        yield fake


@pytest.fixture
def live(full_stage: Settings, fake_x: FakeX, tmp_path: Path) -> Settings:
    settings = full_stage.model_copy(
        update={"x_api_url": fake_x.url, "local_dir": str(tmp_path), "poll_interval": 0.25}
    )
    put_keyset(settings, "main", fake_x.bearer_token)
    return settings


class Running:
    """A streamer in a background thread, stopped like SIGTERM stops it."""

    def __init__(self, settings: Settings, **options: object) -> None:
        sink, spool = make_sink(settings)
        self.pipeline = make_pipeline(settings, sink)
        self.stop_event = threading.Event()
        opts = StreamOptions(poll_interval=settings.poll_interval, **options)  # type: ignore[arg-type]
        self.streamer: Streamer = build_streamer(
            settings,
            resolve_keyset(settings, None),
            self.pipeline,
            spool,
            opts,
            self.stop_event,
        )
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.streamer.run()
        except BaseException as exc:
            self.error = exc

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(60)
        assert not self.thread.is_alive()


def test_rules_follow_terms_without_reconnecting(live: Settings, fake_x: FakeX) -> None:
    add_term(live, "t1", "python")
    add_term(live, "t2", "rust")

    def rules() -> dict[str, str]:
        return {r["tag"]: r["value"] for r in fake_x.rules()}

    with Running(live) as run:
        wait_until(lambda: rules() == {"t1": "python", "t2": "rust"}, what="initial rules")
        wait_until(
            lambda: {term(live, t).sync_state for t in ("t1", "t2")} == {"active"},  # type: ignore[attr-defined]
            what="terms active",
        )
        by_tag = {r["tag"]: r["id"] for r in fake_x.rules()}
        assert term(live, "t1").x_rule_id == by_tag["t1"]  # type: ignore[attr-defined]
        wait_until(lambda: run.pipeline.counters.received > 20, what="tweets")

        bind_models(live).terms.get("t2").update(
            actions=[bind_models(live).terms.enabled.set(False)]
        )
        wait_until(lambda: rules() == {"t1": "python"}, what="t2 removed")
        wait_until(lambda: term(live, "t2").sync_state == "disabled", what="t2 disabled")  # type: ignore[attr-defined]

        add_term(live, "t3", "(unbalanced OR")
        add_term(live, "t4", "#golang")
        wait_until(lambda: rules() == {"t1": "python", "t4": "#golang"}, what="t4 added")
        wait_until(lambda: term(live, "t3").sync_state == "rejected", what="t3 rejected")  # type: ignore[attr-defined]
        assert term(live, "t3").sync_error  # type: ignore[attr-defined]

        bind_models(live).terms.get("t1").delete()
        wait_until(lambda: rules() == {"t4": "#golang"}, what="t1 deleted")
        assert run.streamer.stream is not None
        assert run.streamer.stream.stats.connects == 1, run.streamer.stream.stats
        assert fake_x.state()["connections"] == 1, (fake_x.state(), run.streamer.stream.stats)
        wait_until(
            lambda: (status_record(live) or {}).get("active_terms") == 1,
            what="status shows one rule",
        )
        assert state(live) == "connected"
    assert run.error is None


def test_no_terms_no_connection_then_terms_connect(live: Settings, fake_x: FakeX) -> None:
    with Running(live):
        wait_until(lambda: state(live) == "waiting-for-terms", what="waiting status")
        time.sleep(0.6)
        assert fake_x.state()["connections"] == 0
        add_term(live, "t1", "python")
        wait_until(lambda: fake_x.state()["connections"] == 1, what="connect")
        wait_until(lambda: len(fake_x.ledger()) > 5, what="tweets")
        bind_models(live).terms.get("t1").delete()
        wait_until(lambda: fake_x.rules() == [], what="rules gone")
        wait_until(lambda: state(live) == "waiting-for-terms", what="disconnect")


def test_every_fault_is_survived_and_the_ledger_matches_kinesis(
    live: Settings, fake_x: FakeX, monkeypatch: pytest.MonkeyPatch
) -> None:
    # X's backoff (5 s and up after a 503, 60 s after a 429) is kept, only scaled down.
    real_sleep = time.sleep
    monkeypatch.setattr(tweepy.streaming, "sleep", lambda s: real_sleep(s / 200))
    add_term(live, "t1", "python OR rust OR go")
    with Running(live, stall_timeout=1.0, sleep=lambda s: None) as run:
        counters = run.pipeline.counters
        wait_until(lambda: counters.received > 20, what="first tweets")
        # Connect errors fire on the next connect, so a drop comes first.
        scenarios: list[tuple[Fault, ...]] = [
            (Drop(after=30),),
            (OperationalDisconnect(after=30),),
            (Drop(after=5), ConnectError(status=429, count=2)),
            (Drop(after=5), ConnectError(status=503, count=2)),
            (Stall(after=20, seconds=3.0),),
            (Malformed(after=10),),
            (Duplicate(after=10),),
        ]
        for scenario in scenarios:
            connections = fake_x.state()["connections"]
            fake_x.set_faults(*scenario)
            wait_until(lambda: fake_x.faults() == [], timeout=30, what=f"{scenario} fired")
            if not isinstance(scenario[0], (Malformed, Duplicate)):
                wait_until(
                    lambda c=connections: fake_x.state()["connections"] > c,
                    timeout=30,
                    what=f"reconnect after {scenario}",
                )
            seen = counters.received
            wait_until(
                lambda s=seen: counters.received > s + 20, timeout=30, what=f"after {scenario}"
            )
        stopped_at = time.time()
    assert run.error is None
    assert counters.bad_lines >= 1  # the malformed line was counted, not shipped
    ledger = fake_x.ledger()
    shipped = Counter(tweet_ids(read_stream(live)))
    sent = Counter(e.id for e in ledger)
    settled = Counter(e.id for e in ledger if e.at < stopped_at - 1.0)
    assert not settled - shipped, "tweets X sent were lost"
    assert not shipped - sent, "tweets were invented or duplicated beyond what X sent"
    assert any(n > 1 for n in sent.values())  # X's duplicate arrived twice, as sent


def test_unknown_key_set_is_a_one_line_error(live: Settings) -> None:
    from chalicelib.core.keysets import KeySetError

    with pytest.raises(KeySetError) as info:
        resolve_keyset(live, "nope")
    assert "\n" not in str(info.value)
    assert "main" in str(info.value)


def test_sample_stream_needs_no_terms(live: Settings, fake_x: FakeX) -> None:
    with Running(live, sample=True) as run:
        wait_until(lambda: run.pipeline.counters.received > 20, what="sample tweets")
        assert fake_x.rules() == []
        assert {e.stream for e in fake_x.ledger()} == {"sample"}
        wait_until(lambda: state(live) == "connected", what="connected status")
    assert run.error is None


def test_the_streamer_writes_its_own_key_sets_status_record(live: Settings) -> None:
    """Two key sets' streamers no longer share (and overwrite) one record."""
    other = StatusRecord(bind_models(live).control, "backup")
    other.write({"state": "connected", "heartbeat_at": "2024-05-01T12:00:00Z"})
    put_keyset(live, "backup", "another-token")
    named = live.model_copy(update={"default_keys": "main"})
    with Running(named, sample=True):
        wait_until(lambda: state(live) == "connected", what="main's record says connected")
    mine = status_record(live)
    assert mine is not None and mine["key_set"] == "main" and mine["state"] == "down"
    assert status_record(live, "backup") == {
        "state": "connected",
        "heartbeat_at": "2024-05-01T12:00:00Z",
        "key_set": "backup",
    }
    control = bind_models(live).control
    with pytest.raises(control.DoesNotExist):
        control.get("streamer", "status", consistent_read=True)  # the old shared record
    # The status report reads what the streamer wrote, one entry per key set.
    records = read_status_records(live)
    assert sorted(str(r["key_set"]) for r in records) == ["backup", "main"]
