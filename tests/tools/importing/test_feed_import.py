"""``streamfeed import feeds``: django-user-streams' items in, once, times read as told."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest

from chalicelib.core.settings import Settings
from chalicelib.feeds import Feeds
from tests.streamer.test_streamer_cli import settings_env
from tools.importing.feeditems import BadRow, FeedRow, derived_id, rows

STREAMFEED = str(Path(sys.executable).with_name("streamfeed"))
CSV = Path(__file__).parent / "data" / "user_streams.csv"
PARIS = ZoneInfo("Europe/Paris")


def numbered(path: Path) -> list[tuple[int, bytes]]:
    return list(enumerate(path.read_bytes().splitlines(), start=1))


def test_csv_rows_with_naive_times_read_in_a_zone() -> None:
    parsed = list(rows(numbered(CSV), "csv", PARIS))
    good = [(n, r) for n, r in parsed if isinstance(r, FeedRow)]
    bad = [(n, str(r)) for n, r in parsed if isinstance(r, BadRow)]
    assert [n for n, _ in good] == [2, 3, 4, 6]
    welcome_a, welcome_b, two_lines, zoned = (r for _, r in good)
    assert welcome_a.created_at == datetime(2024, 5, 1, 7, 0, tzinfo=UTC)  # 09:00 in Paris
    assert (
        welcome_a.item_id
        == welcome_b.item_id
        == derived_id("<p>Welcome to the feed</p>", welcome_a.created_at)
    )
    assert two_lines.content == "<p>Two lines\nof content</p>"
    assert two_lines.created_at.microsecond == 250000
    assert (zoned.item_id, zoned.created_at) == ("kept-id-1", datetime(2024, 5, 1, 12, tzinfo=UTC))
    assert [n for n, _ in bad] == [7, 8]
    assert "no created_at" in bad[0][1] and "user" in bad[1][1]


def test_a_naive_time_is_refused_unless_a_zone_is_given() -> None:
    parsed = dict(rows(numbered(CSV), "csv", None))
    assert isinstance(parsed[2], BadRow) and "--naive-times" in str(parsed[2])
    assert isinstance(parsed[6], FeedRow)  # it had its own zone


def test_json_lines_take_user_or_user_id_and_item_id_or_id() -> None:
    lines = [
        orjson.dumps({"user": "ann", "content": "a", "created_at": "2024-05-01T00:00:00Z"}),
        orjson.dumps(
            {"user_id": "bo", "content": "b", "created_at": "2024-05-01T00:00:00Z", "id": "x1"}
        ),
        b"[1]",
        b"{oops",
    ]
    parsed = list(rows(enumerate(lines, start=1), "jsonl", None))
    assert isinstance(parsed[0][1], FeedRow) and parsed[0][1].user == "ann"
    assert isinstance(parsed[1][1], FeedRow) and parsed[1][1].item_id == "x1"
    assert str(parsed[2][1]) == "expected a JSON object"
    assert str(parsed[3][1]).startswith("invalid JSON")


def run_import(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [STREAMFEED, "import", "feeds", *args],
        env=settings_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("backend", ["fanout", "redis"])
def test_the_command_imports_once_and_reports_bad_rows(full_stage: Settings, backend: str) -> None:
    stage = full_stage.model_copy(update={"feed_backend": backend})
    done = run_import(stage, str(CSV), "--naive-times", "Europe/Paris")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.strip() == (
        "6 rows read: 4 items added, 0 already there, 2 bad rows, 2 users"
    )
    assert "line 7: no created_at" in done.stderr
    feeds = Feeds.from_settings(stage)
    alice = [(i.content, i.created_at) for i in feeds.get_stream_items("alice")]
    assert alice == [
        ("<p>Two lines\nof content</p>", datetime(2024, 5, 1, 8, 30, 0, 250000, tzinfo=UTC)),
        ("<p>Welcome to the feed</p>", datetime(2024, 5, 1, 7, 0, tzinfo=UTC)),
    ]
    assert len(feeds.get_stream_items("bob")) == 2

    again = run_import(stage, str(CSV), "--naive-times", "Europe/Paris")
    assert (
        again.stdout.strip() == "6 rows read: 0 items added, 4 already there, 2 bad rows, 2 users"
    )
    assert (len(feeds.get_stream_items("alice")), len(feeds.get_stream_items("bob"))) == (2, 2)


def test_a_bad_zone_or_a_missing_file_is_one_line(full_stage: Settings, tmp_path: Path) -> None:
    done = run_import(full_stage, str(CSV), "--naive-times", "Mars/Olympus")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "'Mars/Olympus' is not UTC nor a time zone name" in done.stderr
    done = run_import(full_stage, str(tmp_path / "nope.csv"))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("streamfeed: cannot read ")
