"""``streamfeed import tweets``: real files of every format, through Kinesis and the consumer.

The v2 file is made by the project's fake X server (what the streamer reads);
the others are the sample files in ``data/``. Imported tweets are stored by
the consumer's own handler, reach the ``--term``'s timeline and its
subscriber's feed, and a second import stores nothing new.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
import requests

from bench.corpus import stream_query
from chalicelib import subscriptions, terms
from chalicelib.consumer import runtime
from chalicelib.consumer.service import Consumer
from chalicelib.core.settings import Settings
from chalicelib.feeds import Feeds
from tests.chalicelib.consumer.conftest import invoke, stored_tweets, timeline
from tests.chalicelib.consumer.support import kinesis_event, record
from tests.conftest import unique_prefix
from tests.streamer.test_streamer_cli import settings_env
from tests.support.kinesis import read_stream
from tools.fakex.testing import FakeX
from tools.localcloud import LocalCloud
from tools.localcloud.bootstrap import bootstrap

STREAMFEED = str(Path(sys.executable).with_name("streamfeed"))
DATA = Path(__file__).parent / "data"
#: The good tweets of each sample file.
SAMPLES = {
    "twarc2_stream.jsonl": {"1790000000000000001", "1790000000000000002"},
    "twarc2_search.jsonl": {"1790000000000000101", "1790000000000000102"},
    "v1_1.jsonl": {"1790000000000000201", "1790000000000000202", "1790000000000000203"},
    "mixed.jsonl": {"1790000000000000301", "1790000000000000302"},
}


def fake_x_lines(count: int) -> list[bytes]:
    """Stream lines as the fake X server sends them to the streamer."""
    with FakeX(rate=2000, keepalive=0.5, seed=11) as fake:
        fake.add_rules(("python OR rust OR serverless", "x"))
        session = requests.Session()
        session.trust_env = False
        lines: list[bytes] = []
        with session.get(
            f"{fake.url}/2/tweets/search/stream",
            params=stream_query(),
            headers={"Authorization": f"Bearer {fake.bearer_token}"},
            stream=True,
            timeout=30,
        ) as response:
            for line in response.iter_lines():
                if line.startswith(b'{"data"'):
                    lines.append(line)
                    if len(lines) == count:
                        break
        session.close()
    return lines


@pytest.fixture
def stage(consumer: Consumer) -> Settings:
    """A fresh stage whose consumer (the app's handler) stores what an import ships."""
    return consumer.settings


def run_import(settings: Settings, *args: str, stdin: bytes | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [STREAMFEED, "import", "tweets", *args],
        env=settings_env(settings),
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr.decode()


def consume_everything_shipped(settings: Settings, already: int) -> int:
    """Run the consumer's handler over the records shipped since ``already``; the new total."""
    entries = read_stream(settings)
    fresh = [entry.line for entry in entries[already:]]
    if fresh:
        event = kinesis_event([record(fresh)], first_sequence=10**48 + already)
        assert invoke(event) == {"batchItemFailures": []}
    return len(entries)


def test_every_format_is_imported_to_the_term_and_again_stores_nothing(
    stage: Settings, tmp_path: Path
) -> None:
    term = terms.create_term(stage, "#imported", lambda: (None, "test")).term
    feeds = Feeds.from_settings(stage)
    subscriptions.subscribe(stage, "ann", term.term_id, feeds.register_users, feeds.own_count)
    fake = tmp_path / "fake-x.jsonl"
    made = fake_x_lines(15)
    fake.write_bytes(b"\n".join(made) + b"\n")
    gz = tmp_path / "twarc2_stream.jsonl.gz"  # gzip is found by its magic bytes
    gz.write_bytes(gzip.compress((DATA / "twarc2_stream.jsonl").read_bytes()))
    files = [str(fake), str(gz), str(DATA / "twarc2_search.jsonl"), str(DATA / "v1_1.jsonl")]
    files.append(str(DATA / "mixed.jsonl"))

    code, err = run_import(stage, *files, "--term", "#imported")
    assert code == 0, err
    assert "Traceback" not in err
    for number in (2, 3, 4, 7, 8):  # mixed.jsonl's bad lines, each with its number
        assert f"mixed.jsonl: line {number}: " in err
    expected = {orjson.loads(line)["data"]["id"] for line in made}.union(*SAMPLES.values())
    assert f"sent {len(expected)} tweets, 5 bad lines" in err
    shipped = consume_everything_shipped(stage, 0)

    stored = stored_tweets(stage)
    assert set(stored) == expected
    assert set(timeline(stage, term.term_id)) == expected
    assert {item.id.removeprefix("tweet:") for item in feeds.get_stream_items("ann")} == expected
    assert len(feeds.get_stream_items("ann")) == len(expected)
    v1 = stored["1790000000000000201"]
    assert v1.author_username == "dana"

    # The same files again, one of them through stdin: nothing new is stored.
    code, err = run_import(
        stage, *files[:-1], "-", "--term", term.term_id, stdin=(DATA / "mixed.jsonl").read_bytes()
    )
    assert code == 0, err
    consume_everything_shipped(stage, shipped)
    assert set(stored_tweets(stage)) == expected
    assert len(timeline(stage, term.term_id)) == len(expected)
    assert len(feeds.get_stream_items("ann")) == len(expected)


def test_an_unknown_term_or_file_is_one_line_and_nonzero(stage: Settings, tmp_path: Path) -> None:
    code, err = run_import(stage, str(DATA / "v1_1.jsonl"), "--term", "#nobody-has-this")
    assert code != 0 and "Traceback" not in err
    assert err.strip().splitlines() == [
        "streamfeed: --term #nobody-has-this: no term with the rule '#nobody-has-this'"
    ]
    code, err = run_import(stage, str(tmp_path / "missing.jsonl"))
    assert code != 0 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("streamfeed: cannot read ")


def run_export(settings: Settings, *args: str) -> tuple[int, bytes, str]:
    done = subprocess.run(
        [STREAMFEED, "export", "tweets", *args],
        env=settings_env(settings),
        capture_output=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr.decode()


def summary(settings: Settings) -> dict[str, tuple[object, ...]]:
    return {
        tweet_id: (t.text, t.author_username, t.created_at, sorted(t.term_ids or ()))
        for tweet_id, t in stored_tweets(settings).items()
    }


def test_export_then_import_into_a_fresh_stage_gives_the_same_tweets(
    stage: Settings, local_cloud: LocalCloud, tmp_path: Path
) -> None:
    term = terms.create_term(stage, "#exported", lambda: (None, "test")).term
    files = [str(DATA / name) for name in ("twarc2_stream.jsonl", "v1_1.jsonl")]
    assert run_import(stage, *files, "--term", term.term_id)[0] == 0
    consume_everything_shipped(stage, 0)
    original = summary(stage)
    assert len(original) == 5

    out = tmp_path / "export.jsonl"
    code, _, err = run_export(stage, "--term", "#exported", "--out", str(out))
    assert (code, err.strip()) == (0, "exported 5 tweets")
    code, stdout, _ = run_export(stage)  # every stored tweet, to stdout
    assert code == 0 and sorted(stdout.splitlines()) == sorted(out.read_bytes().splitlines())
    code, stdout, _ = run_export(
        stage, "--term", term.term_id, "--since", "2024-05-14T09:00:00Z", "--until",
        "2024-05-14T10:01:00Z",
    )  # fmt: skip
    assert [orjson.loads(line)["data"]["id"] for line in stdout.splitlines()] == [
        "1790000000000000201"
    ]

    fresh = local_cloud.settings(name_prefix=unique_prefix())
    bootstrap(fresh)
    terms.create_term(fresh, "#exported", lambda: (None, "test"))  # the same rule, the same id
    runtime.install(Consumer.from_settings(fresh))
    assert run_import(fresh, str(out))[0] == 0
    consume_everything_shipped(fresh, 0)
    assert summary(fresh) == original
    exported_again = run_export(fresh, "--term", term.term_id)[1]
    assert exported_again.splitlines() == out.read_bytes().splitlines()
