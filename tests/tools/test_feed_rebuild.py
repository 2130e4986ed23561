"""``streamfeed feeds rebuild``: feeds refilled from DynamoDB equal the ones the consumer wrote.

One scenario (module scope) runs real stream lines through the consumer's
Lambda handler into ``fanout`` feeds on the local cloud: two terms, one of
them hot for part of the time, a tweet that matches a second term later, users
who subscribe late, one who unsubscribes, and an item added through the API.
Each test then rebuilds into an empty store (``memory``, a fresh stage's
``fanout`` or ``shared`` tables, a fresh ``redis`` key prefix) or over the
original, and compares feeds item by item: id, content and time.
"""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from chalicelib import subscriptions, terms
from chalicelib.consumer import runtime
from chalicelib.consumer.delivery import feed_card
from chalicelib.consumer.parsing import TweetSource
from chalicelib.consumer.service import Consumer
from chalicelib.core.settings import Settings
from chalicelib.core.times import format_time, model_time
from chalicelib.feeds import Feeds, ReadWindow
from chalicelib.feeds.backends.memory import MemoryBackend
from chalicelib.hotterms import term_feed, term_spans
from tests.chalicelib.api.support import cli_env
from tests.chalicelib.consumer.conftest import invoke
from tests.chalicelib.consumer.support import Lines, kinesis_event, record
from tests.conftest import unique_prefix
from tools.cli import main
from tools.feedrebuild import Options, rebuild
from tools.feedrebuild.stored import stored_tweet
from tools.localcloud import LocalCloud
from tools.localcloud.bootstrap import bootstrap

#: A term turns hot at 6 subscribers and cold below 3, from the moment it crosses.
HOT_AT = 6
FILLERS = [f"filler{n}" for n in range(4)]
USERS = ["alice", "bob", "carol", "dave", "eve", "frank", *FILLERS, "nobody"]
NOTE = "note-1"

Snapshot = dict[str, tuple[list[tuple[str, str, datetime]], int]]


@dataclass
class Scenario:
    settings: Settings
    alpha: str
    hot: str
    quiet: str
    #: Every feed as the consumer (and the API) left it: items newest first, and len().
    original: Snapshot
    #: What a rebuild can restore: the original less the API's item and what the
    #: removed subscriptions (eve's, the fillers') had brought.
    expected: Snapshot
    #: When the hot term's span began.
    span_start: datetime

    @property
    def names(self) -> list[str]:
        return [*USERS, *(term_feed(t) for t in (self.alpha, self.hot, self.quiet))]


def snapshot(feeds: Feeds, names: list[str]) -> Snapshot:
    """Each feed read straight from the backend: (id, content, time) newest first, and count."""
    out: Snapshot = {}
    for name in names:
        items = feeds.backend.read(name, ReadWindow(limit=10_000))
        out[name] = ([(i.id, i.content, i.created_at) for i in items], feeds.backend.count(name))
    return out


def made_at(lines: Lines, term_ids: list[str], at: datetime) -> bytes:
    line = orjson.loads(lines.line(term_ids))
    line["data"]["created_at"] = format_time(at)[:-4] + "Z"  # X's millisecond form
    return orjson.dumps(line)


def a_moment_after(moment: datetime) -> datetime:
    """The next whole millisecond after ``moment`` (X's precision), once the clock passed it.

    Tweets are written on X before the consumer sees them; the spans (and so
    pushing or pulling) are only fixed for tweets created in the past.
    """
    next_ms = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    next_ms += timedelta(milliseconds=1)
    while datetime.now(UTC) <= next_ms:
        time.sleep(0.001)
    return next_ms


class Sender:
    """Events with growing sequence numbers, through the app's Kinesis handler."""

    def __init__(self) -> None:
        self.sequence = 49_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000

    def send(self, *lines: bytes) -> None:
        event = kinesis_event([record(list(lines))], first_sequence=self.sequence)
        self.sequence += 10
        assert invoke(event) == {"batchItemFailures": []}


@pytest.fixture(scope="module")
def scenario(local_cloud: LocalCloud) -> Scenario:
    settings = local_cloud.settings(name_prefix=unique_prefix()).model_copy(
        update={
            "feed_backend": "fanout",
            "hot_term_subscribers": HOT_AT,
            "hot_term_lead_seconds": 0.0,
        }
    )
    bootstrap(settings, stream=False)
    runtime.install(Consumer.from_settings(settings))  # what the app's handler runs
    try:
        played = _play(settings)
    finally:
        runtime.install(None)
    return played


def _play(settings: Settings) -> Scenario:
    feeds = Feeds.from_settings(settings)

    def new_term(value: str) -> str:
        return terms.create_term(settings, value, lambda: (None, "test")).term.term_id

    def sub(user: str, term_id: str) -> None:
        subscriptions.subscribe(settings, user, term_id, feeds.register_users, feeds.own_count)

    alpha, hot, quiet = new_term("#rebuildalpha"), new_term("#rebuildhot"), new_term("#quiet")
    for user, term_id in [("alice", alpha), ("alice", hot), ("bob", alpha), ("carol", hot)]:
        sub(user, term_id)
    sub("eve", alpha)
    lines, sender = Lines(seed=23), Sender()

    # Cold: tweets written on X in May 2024, long before anyone subscribed, are
    # pushed to whoever is subscribed when the consumer stores them.
    grown = lines.line([alpha])
    sender.send(
        grown,
        lines.line([alpha, hot]),
        lines.line([hot], kind="reply"),
        lines.line([alpha], kind="retweet"),
        lines.line([alpha], kind="quote"),
        lines.line([quiet]),
    )
    again = orjson.loads(grown)  # X sends it again, now matching the hot term too
    again["matching_rules"] = [{"id": "r", "tag": hot}]
    sender.send(orjson.dumps(again))
    sub("dave", alpha)  # after those were stored: none of them is his
    subscriptions.unsubscribe(settings, "eve", alpha)
    feeds.add_stream_item("alice", "A note from the API", item_id=NOTE)

    # Hot: tweets created from the span's start go to the term's own feed.
    for filler in FILLERS:
        sub(filler, hot)
    [span] = term_spans(settings).spans([hot])[hot]
    assert span.end is None
    in_span = a_moment_after(span.start)
    late_in_span = made_at(lines, [hot], a_moment_after(in_span))
    sender.send(
        made_at(lines, [hot], in_span),
        made_at(lines, [alpha, hot], in_span),
        made_at(lines, [alpha], in_span),
        lines.line([hot]),  # created in 2024, before the span: still pushed
    )

    # Cold again: pushed, except what was created inside the span.
    for filler in FILLERS:
        subscriptions.unsubscribe(settings, filler, hot)
    [span] = term_spans(settings).spans([hot])[hot]
    assert span.end is not None
    after_span = a_moment_after(span.end)
    sender.send(
        made_at(lines, [hot], after_span),
        made_at(lines, [alpha, hot], after_span),
        late_in_span,
    )
    sub("frank", hot)  # after everything was stored: none of it is his

    names = [*USERS, *(term_feed(t) for t in (alpha, hot, quiet))]
    original = snapshot(feeds, names)
    expected: Snapshot = {}
    for name, (items, _) in original.items():
        kept = [] if name == "eve" or name in FILLERS else [i for i in items if i[0] != NOTE]
        expected[name] = (kept, len(kept))
    return Scenario(settings, alpha, hot, quiet, original, expected, span.start)


def test_the_scenario_exercises_what_it_claims(scenario: Scenario) -> None:
    """Pushed and pulled tweets, late and removed subscribers, an API item: all present."""
    original = scenario.original
    hot_feed = original[term_feed(scenario.hot)][0]
    assert len(hot_feed) == 3  # pulled: 2 made in the span while hot, 1 processed after it
    alice = [item_id for item_id, _, _ in original["alice"][0]]
    assert NOTE in alice
    # Only the tweet of both terms is in both: pushed for #alpha, pulled for #hot.
    assert len(set(alice) & {item_id for item_id, _, _ in hot_feed}) == 1
    assert len(original["alice"][0]) == 11  # 5 cold, the note, 3 pushed while hot, 2 after
    assert len(original["carol"][0]) == 6  # 3 of hers cold, the grown one, 1 hot-but-old, 2 after
    assert original["eve"][0] and all(original[f][0] for f in FILLERS)
    assert len(original["dave"][0]) == 3
    assert original["frank"] == ([], 0)
    assert original[term_feed(scenario.alpha)] == ([], 0)
    assert original[term_feed(scenario.quiet)] == ([], 0)
    assert all(count == len(items) for items, count in original.values())


@pytest.mark.parametrize("target", ["memory", "fanout", "shared", "redis"])
def test_a_rebuild_into_an_empty_store_equals_the_original_feeds(
    scenario: Scenario, target: str, request: pytest.FixtureRequest
) -> None:
    feeds = _empty_feeds(scenario, target, request)
    summary = rebuild(scenario.settings, feeds, Options())

    assert snapshot(feeds, scenario.names) == scenario.expected
    wanted = sum(len(items) for items, _ in scenario.expected.values())
    assert summary.deliveries == wanted and summary.present == 0
    assert summary.feeds == {name for name, (items, _) in scenario.expected.items() if items}
    assert summary.tweets == 13 and summary.unstored == 0 and summary.without_payload == 0


def test_batches_of_one_tweet_rebuild_the_same_feeds(scenario: Scenario) -> None:
    feeds = Feeds(MemoryBackend())
    summary = rebuild(scenario.settings, feeds, Options(batch=1))
    assert snapshot(feeds, scenario.names) == scenario.expected
    assert summary.tweets == 13


def test_a_rebuild_over_the_intact_feeds_writes_and_counts_nothing(scenario: Scenario) -> None:
    """The DynamoDB counters would count an old id again: the rebuild must not re-add it."""
    feeds = Feeds.from_settings(scenario.settings)
    before = snapshot(feeds, scenario.names)
    summary = rebuild(scenario.settings, feeds, Options())

    assert summary.deliveries == 0 and summary.feeds == set()
    assert summary.present == sum(len(items) for items, _ in scenario.expected.values())
    assert snapshot(feeds, scenario.names) == before


def test_since_rebuilds_only_tweets_created_from_then_on(scenario: Scenario) -> None:
    feeds = Feeds(MemoryBackend())
    summary = rebuild(scenario.settings, feeds, Options(since=scenario.span_start))

    expected: Snapshot = {}
    for name, (items, _) in scenario.expected.items():
        recent = [item for item in items if item[2] >= scenario.span_start]
        expected[name] = (recent, len(recent))
    assert snapshot(feeds, scenario.names) == expected
    assert summary.tweets == 6


def test_a_term_rebuilds_its_own_tweets_for_its_subscribers(scenario: Scenario) -> None:
    feeds = Feeds(MemoryBackend())
    rebuild(scenario.settings, feeds, Options(terms=frozenset({scenario.hot})))

    got = snapshot(feeds, scenario.names)
    hot_only = ["carol", term_feed(scenario.hot)]
    assert {name: got[name] for name in hot_only} == {n: scenario.expected[n] for n in hot_only}
    assert got["bob"] == ([], 0) and got["dave"] == ([], 0)  # alpha's subscribers only
    alice = {item[0] for item in got["alice"][0]}
    assert alice and alice < {item[0] for item in scenario.expected["alice"][0]}


# The command line, rebuilding into a fresh redis key prefix of the scenario's stage.


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def redis_stage(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The scenario's stage with its feeds in an empty redis key space: a lost cache."""
    settings = scenario.settings.model_copy(
        update={"feed_backend": "redis", "redis_key_prefix": f"{unique_prefix()}:"}
    )
    for name, value in cli_env(settings).items():
        monkeypatch.setenv(name, value)
    return settings


SUMMARY = re.compile(
    r"^(?:rebuilt|dry run): (?P<tweets>[\d,]+) tweets read, (?P<deliveries>[\d,]+) deliveries "
    r"(?:written|to write) \((?P<present>[\d,]+) already there\), (?P<feeds>[\d,]+) feeds "
    r"(?:touched|to touch), [\d.]+ s(?:; nothing written)?$"
)


def counts(out: str) -> dict[str, int]:
    [line] = out.splitlines()
    found = SUMMARY.match(line)
    assert found is not None, line
    return {key: int(value.replace(",", "")) for key, value in found.groupdict().items()}


def test_the_command_refills_a_lost_cache_and_a_second_run_adds_nothing(
    scenario: Scenario, redis_stage: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds = Feeds.from_settings(redis_stage)
    assert all(items == [] for items, _ in snapshot(feeds, scenario.names).values())

    code, out, err = run(capsys, "feeds", "rebuild", "--batch", "5")
    assert code == 0, err
    wanted = sum(len(items) for items, _ in scenario.expected.values())
    nonempty = sum(1 for items, _ in scenario.expected.values() if items)
    assert counts(out) == {"tweets": 13, "deliveries": wanted, "present": 0, "feeds": nonempty}
    assert snapshot(feeds, scenario.names) == scenario.expected
    assert "redis backend" in err

    code, out, err = run(capsys, "feeds", "rebuild")
    assert code == 0, err
    assert counts(out) == {"tweets": 13, "deliveries": 0, "present": wanted, "feeds": 0}
    assert snapshot(feeds, scenario.names) == scenario.expected


def test_user_limits_the_rebuild_to_those_users_feeds(
    scenario: Scenario, redis_stage: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "feeds", "rebuild", "--user", "carol", "--user", "dave")
    assert code == 0, err

    got = snapshot(Feeds.from_settings(redis_stage), scenario.names)
    for name in scenario.names:
        assert got[name] == (scenario.expected[name] if name in ("carol", "dave") else ([], 0))
    written = len(scenario.expected["carol"][0]) + len(scenario.expected["dave"][0])
    assert counts(out)["deliveries"] == written and counts(out)["feeds"] == 2


def test_dry_run_writes_nothing_and_counts_what_the_rebuild_then_writes(
    scenario: Scenario, redis_stage: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "feeds", "rebuild", "--dry-run", "--term", scenario.hot)
    assert code == 0, err
    assert out.startswith("dry run: ") and out.rstrip().endswith("nothing written")
    feeds = Feeds.from_settings(redis_stage)
    assert all(items == [] for items, _ in snapshot(feeds, scenario.names).values())
    dry = counts(out)
    assert dry["deliveries"] > 0

    code, out, err = run(capsys, "feeds", "rebuild", "--term", scenario.hot)
    assert code == 0, err
    assert counts(out) == dry
    assert snapshot(feeds, ["carol"])["carol"] == scenario.expected["carol"]  # hers: all #hot


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "last tuesday"], "Invalid value for '--since': 'last tuesday' is not an ISO"),
        (["--since", "2024-05-01T00:00:00"], "has no time zone"),
        (["--batch", "0"], "Invalid value for '--batch'"),
        (["--user", "not a user"], "Invalid value for '--user'"),
        (["--term", "python"], "Invalid value for '--term'"),
    ],
    ids=["since-words", "since-without-zone", "batch-0", "user", "term"],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "feeds", "rebuild", *argv)
    assert (code, out) == (2, "")
    assert err.startswith("streamfeed: ") and message in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_an_unknown_term_is_one_line_and_exit_1(
    redis_stage: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = "t" + "0" * 20
    assert run(capsys, "feeds", "rebuild", "--term", missing) == (
        1,
        "",
        f"streamfeed: no term {missing}\n",
    )


# The tweet a rebuild reads back from its row.


def test_a_stored_row_gives_back_the_consumers_card_and_time() -> None:
    line = Lines(seed=3).line(["t1"], kind="retweet")
    source = TweetSource(orjson.loads(line)["data"], orjson.loads(line), line, frozenset(), 0)
    created = datetime.fromisoformat(source.tweet["created_at"])
    stored_at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    row = {
        "tweet_id": {"S": source.tweet_id},
        "created_at": {"S": model_time(created)},
        "stored_at": {"S": model_time(stored_at)},
        "author_id": {"S": str(source.tweet["author_id"])},
        "author_username": {"S": (source.author or {})["username"]},
        "text": {"S": source.text},
        "term_ids": {"SS": ["t1"]},
        "payload": {"B": zlib.compress(line)},
    }
    back = stored_tweet(row)
    assert back.from_payload and back.stored_at == stored_at
    assert feed_card(back.source) == feed_card(source)
    assert back.source.term_ids == {"t1"}

    del row["payload"]
    fallback = stored_tweet(row)
    assert not fallback.from_payload
    card = orjson.loads(feed_card(fallback.source))
    assert card == {
        "t": source.text,
        "a": str(source.tweet["author_id"]),
        "u": (source.author or {})["username"],
    }
    assert "n" in orjson.loads(feed_card(source))  # the display name is what is lost


def _empty_feeds(scenario: Scenario, target: str, request: pytest.FixtureRequest) -> Feeds:
    if target == "memory":
        return Feeds(MemoryBackend())
    if target == "redis":
        update: dict[str, object] = {"redis_key_prefix": f"{unique_prefix()}:"}
        return Feeds.from_settings(
            scenario.settings.model_copy(update={**update, "feed_backend": target})
        )
    fresh: Settings = request.getfixturevalue("stage")
    return Feeds.from_settings(fresh.model_copy(update={"feed_backend": target}))
