"""``backfill_minutes``: on connect, re-send recent tweets under the rules then in force."""

from __future__ import annotations

from tests.tools.fakex.support import Stream, auth, wait_for
from tools.fakex import FakeX


def test_backfill_resends_recent_tweets_with_their_rules_then_goes_live(fake: FakeX) -> None:
    (cat,) = fake.add_rules(("cat", "first"))
    with Stream(fake) as stream:
        seen = stream.objects(10)
    wait_for(lambda: not fake.state()["open"]["filtered"])
    # Tweets keep happening while nobody is connected; then the rules change.
    slot = fake.state()["slot"]
    wait_for(lambda: fake.state()["slot"] >= slot + 20)
    fake.session.post(
        fake.url + "/2/tweets/search/stream/rules",
        json={"delete": {"ids": [cat["id"]]}},
        headers=auth(fake),
        timeout=5,
    )
    (dog,) = fake.add_rules(("dog", "second"))
    before = len(fake.ledger())
    with Stream(fake, params={"backfill_minutes": "1"}) as stream:
        # The ledger records a batch once written; a live entry means the backfill is done.
        wait_for(lambda: any(entry.kind == "live" for entry in fake.ledger(before)))
        backfilled = [entry.id for entry in fake.ledger(before) if entry.kind == "backfill"]
        lines = stream.objects(len(backfilled) + 10)
    ledger = fake.ledger()[before:]
    received = [line["data"]["id"] for line in lines]
    assert received[: len(backfilled)] == backfilled  # backfill comes first, in order
    assert [int(i) for i in backfilled] == sorted(int(i) for i in backfilled)
    # Everything seen before is re-sent, the very same tweets (the backfill reaches back
    # to the fake's start, so it also holds tweets from before the first connection).
    start = backfilled.index(seen[0]["data"]["id"])
    assert lines[start : start + 10] == seen
    # Tweets missed while disconnected are there too, under the rules then in force.
    tags = [{rule["tag"] for rule in line["matching_rules"]} for line in lines[: len(backfilled)]]
    assert all(tag in ({"first"}, {"second"}) for tag in tags)
    firsts = tags.count({"first"})
    assert firsts >= start + 30  # the 10 seen and the 20+ missed
    assert tags[:firsts] == [{"first"}] * firsts  # in time order: old rules, then new ones
    # After backfill: live tweets, under today's rules only.
    live = lines[len(backfilled) :]
    assert live
    assert all(line["matching_rules"] == [{"id": dog["id"], "tag": "second"}] for line in live)
    assert {entry.kind for entry in ledger[len(backfilled) :]} == {"live"}


def test_without_backfill_nothing_is_resent(fake: FakeX) -> None:
    fake.add_rules("cat")
    with Stream(fake) as stream:
        first = [line["data"]["id"] for line in stream.objects(5)]
    wait_for(lambda: not fake.state()["open"]["filtered"])
    with Stream(fake, params={"backfill_minutes": "0"}) as stream:
        second = [line["data"]["id"] for line in stream.objects(5)]
    assert int(second[0]) > int(first[-1])
    assert {entry.kind for entry in fake.ledger()} == {"live"}
