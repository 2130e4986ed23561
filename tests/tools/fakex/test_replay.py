"""``--replay FILE.jsonl``: stream a file's tweets instead, still filtered by the rules."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import requests

from tests.tools.fakex.support import Stream, wait_for
from tools.fakex import FakeX
from tools.fakex.replay import ReplayError, load_replay

TWEETS = [
    {"id": "1500000000000000001", "text": "my cat sleeps", "author_id": "9", "lang": "en"},
    {"id": "1500000000000000002", "text": "nothing to see", "author_id": "9", "lang": "en"},
    {"id": "1500000000000000003", "text": "the CAT is back #cats", "author_id": "9", "lang": "en"},
    {"id": "1500000000000000004", "text": "dogs only", "author_id": "9", "lang": "en"},
    {
        "id": "1500000000000000005",
        "text": "cat\u0301 is not a cat?",
        "author_id": "9",
        "lang": "en",
    },
]


@pytest.fixture
def replay_file(tmp_path: Path) -> Path:
    path = tmp_path / "tweets.jsonl"
    user = {"id": "9", "name": "Nine", "username": "nine"}
    lines = [orjson.dumps(TWEETS[0])]  # a bare tweet…
    lines += [orjson.dumps({"data": t, "includes": {"users": [user]}}) for t in TWEETS[1:]]
    path.write_bytes(b"\n".join(lines) + b"\n\n")  # …and stream lines; blank lines are skipped
    return path


def test_replay_streams_only_matching_lines_in_file_order(replay_file: Path) -> None:
    with FakeX(replay=replay_file, rate=500, keepalive=0.05) as fake:
        (rule,) = fake.add_rules(("cat", "c"))
        params = {"expansions": "author_id", "tweet.fields": "lang"}
        with Stream(fake, params=params, read_timeout=5) as stream:
            lines = stream.objects(3)
            # The file is exhausted: the stream stays open on keep-alives alone.
            assert stream.response.raw.read(4) == b"\r\n\r\n"
        ledger = [entry.id for entry in fake.ledger()]
    assert [line["data"]["id"] for line in lines] == [
        "1500000000000000001",
        "1500000000000000003",
        "1500000000000000005",
    ]
    assert all(line["matching_rules"] == [{"id": rule["id"], "tag": "c"}] for line in lines)
    assert lines[1]["includes"]["users"] == [{"id": "9", "name": "Nine", "username": "nine"}]
    assert "includes" not in lines[0]  # the bare tweet had no user to expand
    assert ledger == [line["data"]["id"] for line in lines]


def test_backfill_resends_the_lines_already_played(replay_file: Path) -> None:
    with FakeX(replay=replay_file, rate=500, keepalive=0.05) as fake:
        fake.add_rules("cat")
        with Stream(fake) as stream:
            first = stream.objects(2)
        wait_for(lambda: not fake.state()["open"]["filtered"])
        with Stream(fake, params={"backfill_minutes": "2"}) as stream:
            again = stream.objects(3)
        ledger = fake.ledger()
    played = [entry.id for entry in ledger if entry.connection == 1]
    backfill = [entry.id for entry in ledger if entry.kind == "backfill"]
    assert again[:2] == first
    # Everything played before is re-sent (more than the client read: some was in flight).
    assert set(played) <= set(backfill)
    assert [line["data"]["id"] for line in again[: len(backfill)]] == backfill
    assert [line["data"]["id"] for line in again] == [
        "1500000000000000001",
        "1500000000000000003",
        "1500000000000000005",
    ]


def test_replay_sample_stream_sends_every_line(replay_file: Path) -> None:
    with (
        FakeX(replay=replay_file, rate=500) as fake,
        Stream(fake, path="/2/tweets/sample/stream") as stream,
    ):
        lines = stream.objects(5)
    assert [line["data"]["id"] for line in lines] == [t["id"] for t in TWEETS]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"id": "1", "text": "ok"}\nnot json\n', ":2: not JSON"),
        (b'{"id": 1, "text": "number id"}\n', ":1: tweet 'id' must be a numeric string"),
        (b'{"id": "1"}\n', ":1: tweet 'text' must be a string"),
        (b"[1, 2]\n", ":1: a line must be a JSON object"),
        (b"\n\n", ": no tweets in replay file"),
    ],
)
def test_bad_replay_files_name_the_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    with pytest.raises(ReplayError) as caught:
        load_replay(path)
    assert str(caught.value).startswith(f"{path}{message}")
    assert "\n" not in str(caught.value)


def test_missing_replay_file(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="cannot read replay file"):
        FakeX(replay=tmp_path / "missing.jsonl")


def test_rules_still_apply_to_the_replay_file(replay_file: Path) -> None:
    with FakeX(replay=replay_file, rate=500) as fake:
        response = requests.get(
            fake.url + "/2/tweets/search/stream",
            headers={"Authorization": f"Bearer {fake.bearer_token}"},
            timeout=5,
        )
        assert response.status_code == 409  # no rules, no stream, as on X
