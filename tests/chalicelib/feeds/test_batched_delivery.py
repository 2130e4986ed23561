"""Conformance for ``add_stream_items``: many items, many feeds, exact counts on retries.

Every backend must pass these. Replays model what the consumer meets: a
Kinesis batch redone after a crash (same ``BatchMark``), an older batch seen
again after a newer one, and two batches that share items.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.feeds import BatchMark, Delivery, Feeds, InvalidItemError, StreamItem
from chalicelib.feeds.protocol import Addition, ReadWindow
from chalicelib.feeds.tally import GUARD_KEEP
from tests.chalicelib.feeds.conftest import BASE, CrashingBackend, MakeFeeds, all_items


def tweet(n: int, users: list[str]) -> Delivery:
    return Delivery(users, f"tweet {n}", BASE + timedelta(seconds=n), item_id=f"tweet:{n}")


def expected_feeds(deliveries: list[Delivery]) -> dict[str, list[str]]:
    """Each user's item ids, newest first, as one add per delivery would leave them."""
    feeds: dict[str, set[int]] = {}
    for delivery in deliveries:
        n = int(str(delivery.item_id).split(":")[1])
        for user in delivery.recipients:
            feeds.setdefault(user, set()).add(n)
    return {user: [f"tweet:{n}" for n in sorted(ns, reverse=True)] for user, ns in feeds.items()}


def assert_feeds(feeds: Feeds, expected: dict[str, list[str]]) -> None:
    for user, ids in expected.items():
        assert [item.id for item in all_items(feeds, user)] == ids, user
        assert len(feeds.get_stream_items(user)) == len(ids), user


def dense_batch(first: int, count: int, users: list[str], seed: int) -> list[Delivery]:
    rng = random.Random(seed)
    return [tweet(n, rng.sample(users, rng.randint(0, 6))) for n in range(first, first + count)]


USERS = [f"user-{i:02d}" for i in range(20)]


@pytest.mark.parametrize("marked", [False, True], ids=["unmarked", "marked"])
def test_many_items_to_many_feeds_in_one_call(feeds: Feeds, marked: bool) -> None:
    batch = dense_batch(0, 60, USERS, seed=1)
    mark = BatchMark("shard-1", "0001") if marked else None
    results = feeds.add_stream_items(batch, mark=mark)
    assert [r.item_id for r in results] == [d.item_id for d in batch]
    assert [r.recipients for r in results] == [len(list(d.recipients)) for d in batch]
    assert_feeds(feeds, expected_feeds(batch))
    item = all_items(feeds, batch[0].recipients[0])[-1]  # type: ignore[index]
    assert (item.content, item.created_at) == ("tweet 0", BASE)


@pytest.mark.parametrize("marked", [False, True], ids=["unmarked", "marked"])
def test_a_redelivered_batch_counts_nothing_twice(feeds: Feeds, marked: bool) -> None:
    batch = dense_batch(0, 40, USERS, seed=2)
    mark = BatchMark("shard-1", "0001") if marked else None
    feeds.add_stream_items(batch, mark=mark)
    feeds.add_stream_items(batch, mark=mark)  # the record again, e.g. after a lost checkpoint
    feeds.add_stream_items(batch[5:20], mark=mark)  # part of it again
    assert_feeds(feeds, expected_feeds(batch))


@pytest.mark.parametrize("marked", [False, True], ids=["unmarked", "marked"])
def test_two_overlapping_batches_count_shared_items_once(feeds: Feeds, marked: bool) -> None:
    first = dense_batch(0, 30, USERS, seed=3)
    second = first[20:] + dense_batch(30, 20, USERS, seed=4)
    marks = [BatchMark("shard-1", "0001"), BatchMark("shard-1", "0002")] if marked else [None] * 2
    feeds.add_stream_items(first, mark=marks[0])
    feeds.add_stream_items(second, mark=marks[1])
    assert_feeds(feeds, expected_feeds(first + second))


def test_an_older_batch_seen_after_a_newer_one_counts_nothing(feeds: Feeds) -> None:
    # More items per user than the guard keeps, so only the position can tell.
    old = [tweet(n, ["alice"]) for n in range(GUARD_KEEP + 10)]
    new = [tweet(n, ["alice"]) for n in range(GUARD_KEEP + 10, 2 * GUARD_KEEP + 20)]
    feeds.add_stream_items(old, mark=BatchMark("shard-1", "0001"))
    feeds.add_stream_items(new, mark=BatchMark("shard-1", "0002"))
    feeds.add_stream_items(old, mark=BatchMark("shard-1", "0001"))  # Kinesis replays it
    assert_feeds(feeds, expected_feeds(old + new))


def test_writers_add_up_and_each_counts_its_own_retries(feeds: Feeds) -> None:
    a = [tweet(n, ["alice", "bob"]) for n in range(10)]
    b = [tweet(n, ["alice", "carol"]) for n in range(10, 25)]
    feeds.add_stream_items(a, mark=BatchMark("shard-a", "01"))
    feeds.add_stream_items(b, mark=BatchMark("shard-b", "01"))
    feeds.add_stream_item("alice", "by hand", BASE + timedelta(days=1), item_id="tweet:99")
    feeds.add_stream_items(b, mark=BatchMark("shard-b", "01"))
    assert_feeds(feeds, expected_feeds([*a, *b, tweet(99, ["alice"])]))


class HalfBatch:
    """Delegates to a real backend, but ``add_many`` stores half its additions and dies."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def add_many(self, additions: Sequence[Addition], mark: BatchMark | None = None) -> None:
        self.inner.add_many(additions[: len(additions) // 2], mark)
        raise RuntimeError("simulated crash half-way through a batch")

    def add(self, users: Sequence[str], item: StreamItem) -> None:
        raise AssertionError("add_many is there")

    def count(self, user: str) -> int:
        return int(self.inner.count(user))

    def read(self, user: str, window: ReadWindow) -> list[StreamItem]:
        return list(self.inner.read(user, window))


@pytest.mark.parametrize("marked", [False, True], ids=["unmarked", "marked"])
def test_a_batch_that_crashed_half_way_is_redone_exactly(feeds: Feeds, marked: bool) -> None:
    batch = dense_batch(0, 30, USERS, seed=5)
    mark = BatchMark("shard-1", "0001") if marked else None
    with pytest.raises(RuntimeError, match="simulated crash"):
        Feeds(HalfBatch(feeds.backend), chunk_size=3).add_stream_items(batch, mark=mark)
    feeds.add_stream_items(batch, mark=mark)
    assert_feeds(feeds, expected_feeds(batch))


def test_max_length_holds_after_a_batch(make_feeds: MakeFeeds) -> None:
    feeds = make_feeds(max_length=4)
    batch = [tweet(n, ["alice", "bob"] if n % 2 else ["alice"]) for n in range(10)]
    feeds.add_stream_items(batch, mark=BatchMark("shard-1", "0001"))
    feeds.add_stream_items(batch[7:], mark=BatchMark("shard-1", "0002"))  # kept ones again
    feeds.add_stream_items([tweet(20, ["alice"])], mark=BatchMark("shard-1", "0003"))
    assert [i.id for i in all_items(feeds, "alice")] == [
        "tweet:20",
        "tweet:9",
        "tweet:8",
        "tweet:7",
    ]
    assert len(feeds.get_stream_items("alice")) == 4
    assert [i.id for i in all_items(feeds, "bob")] == ["tweet:9", "tweet:7", "tweet:5", "tweet:3"]
    assert len(feeds.get_stream_items("bob")) == 4


def test_bad_deliveries_are_refused_before_anything_is_written(feeds: Feeds) -> None:
    good = tweet(1, ["alice"])
    for bad in (
        Delivery(["bob"], "", BASE, "tweet:2"),
        Delivery(["bob"], "x", BASE, "has#hash"),
        Delivery(["bob", ""], "x", BASE, "tweet:2"),
    ):
        with pytest.raises(InvalidItemError):
            feeds.add_stream_items([good, bad])
    assert len(feeds.get_stream_items("alice")) == 0


def test_a_backend_with_single_adds_only_gets_one_add_per_item(feeds: Feeds) -> None:
    single = CrashingBackend(feeds.backend, crash_on=0)
    batch = dense_batch(0, 12, USERS, seed=6)
    Feeds(single).add_stream_items(batch)  # type: ignore[arg-type]
    assert single.calls == sum(1 for d in batch if list(d.recipients))
    assert_feeds(feeds, expected_feeds(batch))
