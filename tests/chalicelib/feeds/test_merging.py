"""Merged reads (hybrid fan-out): a user's feed plus the feeds it pulls, on every backend."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.paginator import Paginator

from chalicelib.feeds import Feeds, StreamItem
from chalicelib.feeds.protocol import Pull
from tests.chalicelib.feeds.conftest import BASE

HOT = "~term:hot"
WARM = "~term:warm"


class StaticPulls:
    """A pull directory from a dict, changeable between reads."""

    def __init__(self) -> None:
        self.by_user: dict[str, list[Pull]] = {}

    def pulls(self, user: str) -> list[Pull]:
        return list(self.by_user.get(user, []))


def at(minute: int) -> datetime:
    return BASE + timedelta(minutes=minute)


def add(feeds: Feeds, feed: str, minute: int, name: str | None = None) -> str:
    item = name or f"{feed.strip('~')}-{minute}"
    feeds.add_stream_item(feed, f"content {item}", at(minute), item_id=item.replace(" ", "_"))
    return item.replace(" ", "_")


@pytest.fixture
def merged(feeds: Feeds) -> tuple[Feeds, StaticPulls]:
    pulls = StaticPulls()
    return Feeds(feeds.backend, pulls=pulls), pulls


def ids(items: object) -> list[str]:
    return [item.id for item in items]  # type: ignore[attr-defined]


def test_reads_merge_newest_first_each_item_once_from_since_on(
    merged: tuple[Feeds, StaticPulls],
) -> None:
    feeds, pulls = merged
    own = [add(feeds, "alice", m) for m in (1, 4, 7)]
    hot = [add(feeds, HOT, m) for m in (0, 2, 5, 8)]  # minute 0 is before alice subscribed
    shared = add(feeds, "alice", 6, "tweet:both")
    add(feeds, HOT, 6, "tweet:both")  # reached her through both feeds
    pulls.by_user["alice"] = [Pull(HOT, since=at(1), base=1)]
    expected = [hot[3], own[2], shared, hot[2], own[1], hot[1], own[0]]
    assert ids(feeds.get_stream_items("alice")) == expected
    assert ids(feeds.get_stream_items("alice")[2:5]) == expected[2:5]
    assert feeds.get_stream_items("alice")[6].id == own[0]
    # len(): her own 4 plus what the hot feed gained since she pulled it (5 - 1); the
    # item that came both ways counts twice, so len() runs one ahead of the items.
    assert len(feeds.get_stream_items("alice")) == 8 == len(expected) + 1
    with pytest.raises(IndexError):
        feeds.get_stream_items("alice")[7]
    assert len(feeds.get_stream_items("bob")) == 0 and ids(feeds.get_stream_items("bob")) == []
    assert feeds.own_count("alice") == 4


def test_cursor_pages_cover_the_merged_feed_once_while_items_arrive(
    merged: tuple[Feeds, StaticPulls],
) -> None:
    feeds, pulls = merged
    for m in range(0, 60, 2):
        add(feeds, "alice", m)
        add(feeds, HOT, m + 1)
        add(feeds, WARM, m, f"tweet:{m}")  # a second pulled feed, and...
        add(feeds, "alice", m, f"tweet:{m}")  # ...the same items pushed to her too
    pulls.by_user["alice"] = [Pull(HOT, at(0)), Pull(WARM, at(0))]
    expected = ids(feeds.get_stream_items("alice"))
    assert len(expected) == 90 == len(set(expected))
    seen: list[str] = []
    cursor = None
    for n in range(100):
        page = feeds.page("alice", 7, cursor)
        seen += ids(page.items)
        add(feeds, "alice", 100 + n)  # newer items land above the cursor
        add(feeds, HOT, 100 + n)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected


def test_duplicates_never_leave_a_page_short(merged: tuple[Feeds, StaticPulls]) -> None:
    feeds, pulls = merged
    for m in range(30):
        add(feeds, "alice", m, f"tweet:{m}")
        add(feeds, HOT, m, f"tweet:{m}")
    pulls.by_user["alice"] = [Pull(HOT, at(0))]
    page = feeds.page("alice", 20)
    assert ids(page.items) == [f"tweet:{m}" for m in range(29, 9, -1)]
    rest = feeds.page("alice", 20, page.next_cursor)
    assert ids(rest.items) == [f"tweet:{m}" for m in range(9, -1, -1)] and rest.next_cursor is None


def test_a_term_turning_hot_or_cold_mid_paging_keeps_the_pages_stable(
    merged: tuple[Feeds, StaticPulls],
) -> None:
    feeds, pulls = merged
    for m in range(20):
        add(feeds, "alice", m)  # pushed while the term was cold
    first = feeds.page("alice", 8)
    # The term turns hot: its feed holds items from then on, newer than any cursor.
    pulls.by_user["alice"] = [Pull(HOT, at(0))]
    for m in range(20, 25):
        add(feeds, HOT, m)
    second = feeds.page("alice", 8, first.next_cursor)
    # ...and cold again: pushing resumes; the pull stays for what it holds.
    add(feeds, "alice", 30)
    third = feeds.page("alice", 8, second.next_cursor)
    assert ids(first.items + second.items + third.items) == [
        f"alice-{m}" for m in range(19, -1, -1)
    ]
    assert ids(feeds.page("alice", 7).items) == [
        "alice-30", "term:hot-24", "term:hot-23", "term:hot-22", "term:hot-21", "term:hot-20",
        "alice-19",
    ]  # fmt: skip


def test_slices_and_djangos_paginator_walk_the_merged_feed(
    merged: tuple[Feeds, StaticPulls],
) -> None:
    feeds, pulls = merged
    for m in range(45):
        add(feeds, "alice" if m % 3 else HOT, m)
    pulls.by_user["alice"] = [Pull(HOT, at(0))]
    items = feeds.get_stream_items("alice")
    expected = ids(items)
    assert len(items) == 45 == len(expected)
    assert [item.created_at for item in items] == [at(m) for m in reversed(range(45))]
    paginator = Paginator(items, 10)
    assert paginator.num_pages == 5
    assert [i for n in paginator.page_range for i in ids(paginator.page(n))] == expected
    assert ids(items[40:45]) == expected[40:] and ids(items[44:]) == expected[44:]
    assert isinstance(items[33], StreamItem) and items[33].id == expected[33]
