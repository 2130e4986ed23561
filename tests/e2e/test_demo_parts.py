"""The demo's pure parts: which X it streams from, what it prints, how it counts.

No servers: these pin the decisions the end-to-end tests cannot reach (a
real key set, the real X) and the text a newcomer pastes into a shell.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tools.composition.config import FAKE_KEYS, CompositionConfig, Endpoints
from tools.composition.emf import ConsumerTotals, LogTail, parse_emf
from tools.demo.banner import BannerFacts, curl_commands
from tools.demo.banner import render as render_banner
from tools.demo.summary import Rates, Sample, render, sample
from tools.demo.xsource import CLI_KEYS, XChoiceError, choose_x

REAL_X = "https://api.twitter.com"


def _choose(**given: object) -> tuple[str | None, str]:
    args: dict[str, object] = {
        "x_api_url": None,
        "keys": None,
        "token_given": False,
        "stored": [],
        "stored_default": None,
        "settings_x_api_url": REAL_X,
    }
    args.update(given)
    choice = choose_x(**args)  # type: ignore[arg-type]
    return choice.x_api_url, choice.keys_name


def test_fake_x_unless_a_real_key_set_or_another_x_is_asked_for() -> None:
    assert _choose() == (None, FAKE_KEYS)
    assert _choose(stored=[FAKE_KEYS]) == (None, FAKE_KEYS)
    # A real key set stored: the real X, with it (the default wins among several).
    assert _choose(stored=[FAKE_KEYS, "main"]) == (REAL_X, "main")
    assert _choose(stored=["a", "b", FAKE_KEYS], stored_default="b") == (REAL_X, "b")
    # The fake's key set as the stored default does not make the demo pick the fake.
    assert _choose(stored=["main", FAKE_KEYS], stored_default=FAKE_KEYS) == (REAL_X, "main")
    # Asked for: a URL, a key set, a token from a file.
    assert _choose(x_api_url="http://x.test") == ("http://x.test", FAKE_KEYS)
    assert _choose(keys="main", stored=["main"]) == (REAL_X, "main")
    assert _choose(token_given=True, stored=["main"]) == (REAL_X, CLI_KEYS)
    assert _choose(keys=FAKE_KEYS, stored=["main", FAKE_KEYS]) == (None, FAKE_KEYS)


def test_ambiguous_or_unknown_key_sets_are_one_line_errors() -> None:
    with pytest.raises(XChoiceError, match="several key sets and no default: a, b; pass --keys"):
        _choose(stored=["a", "b"])
    with pytest.raises(XChoiceError, match="no key set named 'nope'; stored: main"):
        _choose(keys="nope", stored=["main"])


def test_printed_curl_bodies_survive_the_shell_as_json(tmp_path: Path) -> None:
    """A term with quotes and a shell metacharacter still reaches the API as the same JSON."""
    tricky = '"open source" -is:retweet $HOME'
    (_, read), (_, add_term), (_, add_item) = curl_commands("alice", tricky)
    assert '"$API/users/me/feed?limit=5"' in read
    # Replace curl with a script that prints the argument after -d.
    fake_curl = tmp_path / "curl"
    fake_curl.write_text('#!/bin/sh\nwhile [ "$1" != "-d" ]; do shift; done; printf %s "$2"\n')
    fake_curl.chmod(0o755)
    for command, expected in ((add_term, {"value": tricky}), (add_item, None)):
        out = subprocess.run(
            ["bash", "-c", command],
            env={"PATH": f"{tmp_path}:/usr/bin:/bin", "API": "http://h"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        body = json.loads(out)
        assert body == expected if expected else set(body) == {"content"}


def test_emf_lines_add_up_and_other_lines_are_ignored(tmp_path: Path) -> None:
    def emf(stored: int, items: int, lag: float | None) -> str:
        metrics = [{"Name": "TweetsStored", "Unit": "Count"},
                   {"Name": "FeedItemsWritten", "Unit": "Count"}]  # fmt: skip
        body: dict[str, object] = {
            "Stage": "s",
            "TweetsStored": [stored],
            "FeedItemsWritten": items,
        }
        if lag is not None:
            metrics.append({"Name": "ConsumerLagMilliseconds", "Unit": "Milliseconds"})
            body["ConsumerLagMilliseconds"] = [lag]
        body["_aws"] = {
            "Timestamp": 1,
            "CloudWatchMetrics": [{"Namespace": "streamfeed", "Dimensions": [["Stage"]],
                                   "Metrics": metrics}],
        }  # fmt: skip
        return json.dumps(body)

    log = tmp_path / "consumer.log"
    log.write_text(emf(99, 99, 1.0) + "\n")  # an earlier run: not counted
    tail = LogTail(log)
    with log.open("a") as handle:
        handle.write(emf(3, 5, 1200.0) + "\n")
        handle.write('{"level": "INFO", "message": "batch done"}\nplain text\n')
        handle.write(
            emf(2, 0, None) + "\n" + emf(1, 1, 300.0)[:20]
        )  # the last line is half written
    totals = ConsumerTotals()
    for line in tail.read():
        doc = parse_emf(line)
        if doc is not None:
            totals = totals.add(doc)
    assert (totals.tweets_stored, totals.feed_items_written, totals.invocations) == (5, 5, 2)
    assert totals.last_lag_ms == 1200.0
    assert parse_emf('{"_aws": "not a directive"}') is None


def test_summary_line_shows_rates_over_the_window_and_never_negative() -> None:
    rates = Rates(window=10)
    rates.add(Sample(0.0, "connected", 100, 90, 200, None))
    rates.add(Sample(5.0, "connected", 125, 115, 250, 800.0))
    line = render(rates, "12:00:00")
    assert line == (
        "12:00:00  connected · received 5.0/s (125) · stored 5.0/s (115) "
        "· feed items 10.0/s (250) · lag 0.8 s"
    )
    rates.add(Sample(10.0, "connected", 3, 120, 260, None))  # the streamer restarted
    assert rates.per_second("received") == 0.0


def test_a_previous_runs_status_record_is_not_this_runs() -> None:
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    old = {"state": "connected", "heartbeat_at": "2026-01-01T11:59:00Z", "received": 639}
    assert sample(1.0, old, ConsumerTotals(), 2.0, since=start) == Sample(
        1.0, "starting", 0, 0, 0, None
    )
    assert sample(1.0, None, ConsumerTotals(), 2.0, since=start).state == "starting"


def test_the_fake_server_runs_only_without_an_x_url() -> None:
    assert CompositionConfig().runs("fake-x")
    assert not CompositionConfig(x_api_url=REAL_X).runs("fake-x")
    with pytest.raises(ValueError, match="unknown components"):
        CompositionConfig(components=("streamer", "lambda"))
    ends = Endpoints("http://h:1", REAL_X, None, "main", Path("d"), Path("d/logs"), None)
    assert ends.status_page_url == "http://h:1/status/page"


def test_the_banner_points_at_the_status_page_and_the_console() -> None:
    ends = Endpoints("http://h:1", REAL_X, None, "main", Path("d"), Path("d/logs"), None)
    facts = BannerFacts(
        ends, "fake X", "dynamodb", "ops", "A.B.C", "alice", "D.E.F", 8, "#go", True, [], 1.0
    )
    lines = render_banner(facts)
    assert "  status page  http://h:1/status/page   (sign in with the admin token)" in lines
    assert any(line.startswith("  console      http://h:1/console   (") for line in lines)
