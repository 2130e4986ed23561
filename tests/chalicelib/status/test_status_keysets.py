"""One status record per key set: the report and the page show every key set's stream.

Two streamers on different key sets used to share one record and overwrite
each other's every poll; now each writes ``status#<key set>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.api.schemas.status import Status
from chalicelib.core.keysets.service import set_default
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.status.page.render import render_panel
from chalicelib.status.reader import read_status_record, read_status_records
from chalicelib.status.report import build_report
from streamer.heartbeat import StatusRecord
from tests.chalicelib.api.conftest import Api, body_of
from tests.chalicelib.api.support import api_on
from tests.support.keysets import put_keyset

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def beat(age: float, when: datetime = NOW) -> str:
    return (when - timedelta(seconds=age)).isoformat().replace("+00:00", "Z")


def record(key_set: str | None, state: str, age: float, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {"state": state, "heartbeat_at": beat(age), "poll_interval": 10}
    if key_set is not None:
        data["key_set"] = key_set
    return {**data, **extra}


TWO = [
    record("main", "connected", 2, active_terms=3, last_error="stall", last_error_at=beat(60)),
    record("backup", "waiting-for-terms", 1, last_error="429", last_error_at=beat(30)),
]


def test_every_key_sets_stream_is_listed_and_stream_is_the_default_ones() -> None:
    report = build_report(TWO, [], NOW, 10.0, default_key_set="main")
    assert [(s["key_set"], s["state"]) for s in report["streams"]] == [
        ("backup", "waiting-for-terms"),
        ("main", "connected"),
    ]
    assert (report["stream"]["key_set"], report["stream"]["active_terms"]) == ("main", 3)
    assert report["last_error"] == {"source": "streamer", "message": "stall", "at": beat(60)}
    # With several streamers, each error names its key set.
    assert [e["source"] for e in report["recent_errors"]] == ["streamer backup", "streamer main"]
    assert Status.model_validate(report).streams[1].key_set == "main"


def test_without_a_default_stream_is_the_freshest_and_each_is_judged_on_its_own() -> None:
    stale = record("old", "connected", 3600)
    report = build_report([*TWO, stale], [], NOW, 10.0)
    assert report["stream"]["key_set"] == "backup"  # newest heartbeat
    by_name = {s["key_set"]: s for s in report["streams"]}
    assert by_name["old"]["state"] == "down" and by_name["old"]["stale"] is True
    assert by_name["main"]["state"] == "connected"


def test_one_record_or_none_reads_as_before() -> None:
    legacy = record(None, "connected", 1)
    report = build_report(legacy, [], NOW, 10.0)
    assert report["stream"]["state"] == "connected" and report["stream"]["key_set"] is None
    assert len(report["streams"]) == 1
    nothing = build_report(None, [], NOW, 10.0)
    assert nothing["streams"] == [] and nothing["stream"]["state"] == "down"


def test_the_page_shows_a_row_per_key_set_only_when_there_are_several() -> None:
    html = render_panel(build_report(TWO, [], NOW, 10.0, default_key_set="main"))
    assert 'id="streams"' in html and "Streams (2 key sets)" in html
    assert '<tr data-key-set="main">' in html and '<tr data-key-set="backup">' in html
    assert '<span class="state waiting-for-terms">WAITING FOR TERMS</span>' in html
    assert 'class="keyset">key set main<' in html  # the badge says whose it is
    single = render_panel(build_report(TWO[:1], [], NOW, 10.0))
    assert 'id="streams"' not in single
    assert "<dt>key set</dt><dd>main</dd>" in single


# --- on the local cloud, written as the streamer writes -----------------------------


@pytest.fixture
def api(full_stage: Settings) -> Iterator[Api]:
    with api_on(full_stage) as api:
        yield api


def _write(settings: Settings, key_set: str, state: str, **extra: object) -> None:
    now = datetime.now(UTC)
    data = {"state": state, "heartbeat_at": beat(0, now), "poll_interval": 10, **extra}
    StatusRecord(bind_models(settings).control, key_set).write(data)


def test_two_streamers_records_both_reach_the_json_and_the_page(api: Api) -> None:
    settings = api.settings
    # A record from before one per key set, left behind: not shown once key sets report.
    old = datetime.now(UTC) - timedelta(days=2)
    old_data = {"state": "connected", "heartbeat_at": old.isoformat(), "poll_interval": 10}
    bind_models(settings).control("streamer", "status", data=old_data, updated_at=old).save()
    _write(settings, "main", "connected", active_terms=2, host="host-a")
    _write(settings, "backup", "standby", host="host-b")
    for name in ("main", "backup"):
        put_keyset(settings, name, f"token-of-{name}")
    set_default(settings, "main")

    status = body_of(api.as_admin("GET", "/status"))
    assert [(s["key_set"], s["state"]) for s in status["streams"]] == [
        ("backup", "standby"),
        ("main", "connected"),
    ]
    assert status["stream"]["key_set"] == "main" and status["stream"]["state"] == "connected"
    assert read_status_record(settings)["key_set"] == "main"  # type: ignore[index]
    assert len(read_status_records(settings)) == 2

    page = api.call("GET", "/status/page", token=api.token("root", "admin")).body.decode()
    assert '<tr data-key-set="main">' in page and '<tr data-key-set="backup">' in page
    assert 'data-state="connected"' in page
    assert "host-a" in page  # admins see where each runs


def test_the_public_page_hides_every_streamers_host(full_stage: Settings) -> None:
    public = full_stage.model_copy(update={"status_page_public": True})
    _write(public, "main", "connected", host="ip-10-0-1-7", lease_holder="ip-10-0-1-7:1")
    _write(public, "backup", "connected", host="ip-10-0-2-9", lease_holder="ip-10-0-2-9:1")
    with api_on(public) as api:
        html = api.call("GET", "/status/page").body.decode()
    assert '<tr data-key-set="backup">' in html
    assert "ip-10-0-1-7" not in html and "ip-10-0-2-9" not in html


def test_a_streamer_of_an_older_version_is_still_read(api: Api) -> None:
    now = datetime.now(UTC)
    data = {"state": "backing-off", "heartbeat_at": now.isoformat(), "poll_interval": 10}
    bind_models(api.settings).control("streamer", "status", data=data, updated_at=now).save()
    status = body_of(api.as_admin("GET", "/status"))
    assert status["stream"]["state"] == "backing-off" and status["stream"]["key_set"] is None
    assert [s["state"] for s in status["streams"]] == ["backing-off"]
