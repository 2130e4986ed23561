"""The status rules: when a heartbeat is trusted, and how states map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.status.queue import QueueDepth
from chalicelib.status.report import (
    STATES,
    TermSync,
    build_report,
    judge_stream,
    recent_errors,
    term_summary,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def record(age: float, state: str = "connected", **extra: object) -> dict[str, object]:
    beat = (NOW - timedelta(seconds=age)).isoformat().replace("+00:00", "Z")
    return {"state": state, "heartbeat_at": beat, "poll_interval": 10, **extra}


@pytest.mark.parametrize("state", STATES)
def test_a_fresh_heartbeat_keeps_the_reported_state(state: str) -> None:
    verdict = judge_stream(record(5, state), NOW, 10.0)
    assert (verdict.state, verdict.stale) == (state, False)
    assert verdict.age_seconds == 5
    assert verdict.reason


@pytest.mark.parametrize(
    ("age", "state"),
    [(0, "connected"), (29.9, "connected"), (30, "connected"), (30.1, "down"), (3600, "down")],
)
def test_down_after_three_poll_intervals_whatever_the_record_says(age: float, state: str) -> None:
    verdict = judge_stream(record(age), NOW, 10.0)
    assert verdict.state == state
    assert verdict.stale is (state == "down")
    if state == "down":
        assert "no heartbeat for" in verdict.reason


def test_the_records_own_poll_interval_sets_the_limit() -> None:
    assert judge_stream(record(100, poll_interval=60), NOW, 10.0).state == "connected"
    assert judge_stream(record(200, poll_interval=60), NOW, 10.0).state == "down"
    # No usable interval in the record: the configured one applies.
    for bad in (0, -5, True, "ten", None):
        assert judge_stream(record(25, poll_interval=bad), NOW, 10.0).state == "connected"
        assert judge_stream(record(35, poll_interval=bad), NOW, 10.0).state == "down"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (None, "never reported"),
        ({"state": "connected"}, "no heartbeat"),
        ({"state": "connected", "heartbeat_at": "yesterday"}, "no heartbeat"),
        ({"state": "connected", "heartbeat_at": 1714564800}, "no heartbeat"),
        (record(1, "dancing"), "unknown state"),
        (record(1, None), "unknown state"),  # type: ignore[arg-type]
    ],
)
def test_anything_unreadable_is_down(data: dict[str, object] | None, reason: str) -> None:
    verdict = judge_stream(data, NOW, 10.0)
    assert verdict.state == "down"
    assert reason in verdict.reason


def test_naive_and_offset_heartbeats_are_instants() -> None:
    naive = {"state": "standby", "heartbeat_at": "2024-05-01T11:59:55"}
    offset = {"state": "standby", "heartbeat_at": "2024-05-01T13:59:55+02:00"}
    assert judge_stream(naive, NOW, 10.0).age_seconds == 5
    assert judge_stream(offset, NOW, 10.0).age_seconds == 5


def test_a_heartbeat_from_the_future_is_not_stale() -> None:
    """Clock skew between the streamer and the API must not flap the state to down."""
    verdict = judge_stream(record(-2), NOW, 10.0)
    assert (verdict.state, verdict.stale) == ("connected", False)


def test_report_carries_the_verdict_and_the_streamers_fields() -> None:
    report = build_report(record(40, received=12, host="h1"), [], NOW, 10.0)
    stream = report["stream"]
    assert (stream["state"], stream["reported_state"], stream["stale"]) == (
        "down",
        "connected",
        True,
    )
    assert (stream["received"], stream["host"]) == (12, "h1")
    assert stream["heartbeat_age_seconds"] == 40
    # Sections that need CloudWatch or SQS are null when those were not read.
    assert report["throughput"] is None
    assert report["dead_letter"] is None
    assert report["generated_at"] == "2024-05-01T12:00:00.000Z"


def test_terms_are_listed_with_their_sync_state() -> None:
    terms = [
        TermSync("t1", "#a", True, "active", None),
        TermSync("t2", "#b", True, "rejected", "bad rule"),
        TermSync("t3", "#c", False, "disabled", None),
    ]
    summary = term_summary(terms)
    assert summary["by_sync_state"] == {"pending": 0, "active": 1, "rejected": 1, "disabled": 1}
    assert [(t["value"], t["sync_state"]) for t in summary["items"]] == [
        ("#a", "active"),
        ("#b", "rejected"),
        ("#c", "disabled"),
    ]
    assert (summary["total"], summary["enabled"]) == (3, 2)


def test_recent_errors_newest_first_with_the_dead_letters() -> None:
    stream = {"last_error": "stream stalled", "last_error_at": "2024-05-01T11:00:00.000Z"}
    terms = [TermSync("t2", "#b", True, "rejected", "bad rule", NOW - timedelta(minutes=5))]
    errors = recent_errors(stream, terms, QueueDepth("dlq", 3, 0))
    assert [e["source"] for e in errors] == ["term #b", "streamer", "dead-letter queue"]
    assert "bad rule" in errors[0]["message"]
    assert "3 record(s)" in errors[2]["message"]
    assert recent_errors({}, [], QueueDepth("dlq", 0, 0)) == []
