"""The conformance suite: every backend must pass every test here.

It covers what django-user-streams tested (one user, many users, broadcast,
ordering by created_at, slicing, paging, identical messages) plus what the
serverless successor promises (UTC-only time, cursors under concurrent
inserts, the 16 KB limit, max-length trimming, exact counts after retries,
resumable broadcasts).
"""

from __future__ import annotations

import random
import threading
import warnings
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from django.core.paginator import Paginator

from chalicelib.feeds import (
    BroadcastConflictError,
    ContentTooLargeError,
    Feeds,
    InvalidCursorError,
    InvalidItemError,
    NaiveDatetimeError,
    StreamItem,
)
from chalicelib.feeds.protocol import BroadcastJob, JobStore, ReadWindow
from tests.chalicelib.feeds.conftest import BASE, CrashingBackend, MakeFeeds, all_items, contents


def add_numbered(feeds: Feeds, user: str, n: int) -> list[str]:
    """Items "m0".."m<n-1>", one minute apart, oldest first; returns their ids."""
    return [
        feeds.add_stream_item(user, f"m{i}", BASE + timedelta(minutes=i)).item_id for i in range(n)
    ]


def newest_first(n: int) -> list[str]:
    return [f"m{i}" for i in reversed(range(n))]


# What django-user-streams' tests covered.


def test_one_user(feeds: Feeds) -> None:
    result = feeds.add_stream_item("alice", "<b>hello</b> alice", BASE)
    items = feeds.get_stream_items("alice")
    assert len(items) == 1
    item = items[0]
    assert (item.id, item.content, item.created_at) == (result.item_id, "<b>hello</b> alice", BASE)
    assert item.created_at.tzinfo is not None and item.created_at.utcoffset() == timedelta(0)
    assert result.recipients == 1
    assert len(feeds.get_stream_items("bob")) == 0
    assert list(feeds.get_stream_items("bob")) == []
    with pytest.raises(IndexError):
        feeds.get_stream_items("bob")[0]


def test_created_at_defaults_to_now_in_utc(feeds: Feeds) -> None:
    before = datetime.now(UTC)
    result = feeds.add_stream_item("alice", "now")
    after = datetime.now(UTC)
    stored = feeds.get_stream_items("alice")[0].created_at
    assert before <= stored == result.created_at <= after
    assert stored.utcoffset() == timedelta(0)


def test_many_users_from_a_list_and_from_a_generator(feeds: Feeds) -> None:
    first = feeds.add_stream_item(["a", "b", "c", "b"], "to a list", BASE)
    second = feeds.add_stream_item((u for u in ("c", "d")), "to a generator", BASE)
    assert first.recipients == 3 and second.recipients == 2
    assert contents(feeds.get_stream_items("a")) == ["to a list"]
    assert contents(feeds.get_stream_items("b")) == ["to a list"]
    assert contents(feeds.get_stream_items("c")) == ["to a generator", "to a list"]
    assert contents(feeds.get_stream_items("d")) == ["to a generator"]
    # One item, many feeds: every recipient sees the same id.
    assert {feeds.get_stream_items(u)[0].id for u in "ab"} == {first.item_id}


def test_many_users_across_several_chunks(make_feeds: MakeFeeds) -> None:
    feeds = make_feeds(chunk_size=4)
    users = [f"user-{i}" for i in range(11)]
    result = feeds.add_stream_item(iter(users), "chunked", BASE)
    assert result.recipients == 11
    assert all(contents(feeds.get_stream_items(u)) == ["chunked"] for u in users)


def test_broadcast_reaches_every_known_user_once(make_feeds: MakeFeeds) -> None:
    feeds = make_feeds(chunk_size=3)
    users = [f"member-{i}" for i in range(8)]
    feeds.register_users(users)
    result = feeds.broadcast("Site maintenance tonight", BASE)
    assert result.recipients == 8 and not result.resumed
    for user in users:
        items = feeds.get_stream_items(user)
        assert len(items) == 1
        assert (items[0].content, items[0].id) == ("Site maintenance tonight", result.item_id)
    assert len(feeds.get_stream_items("stranger")) == 0


def test_order_is_by_created_at_not_by_insertion(feeds: Feeds) -> None:
    minutes = list(range(20))
    random.Random(7).shuffle(minutes)
    for minute in minutes:
        feeds.add_stream_item("alice", f"m{minute}", BASE + timedelta(minutes=minute))
    assert contents(feeds.get_stream_items("alice")) == newest_first(20)


def test_slicing_ten_items(feeds: Feeds) -> None:
    add_numbered(feeds, "alice", 10)
    items = feeds.get_stream_items("alice")
    assert len(items) == 10
    assert contents(items[:5]) == ["m9", "m8", "m7", "m6", "m5"]
    assert contents(items[3:7]) == ["m6", "m5", "m4", "m3"]
    assert contents(items[6:]) == ["m3", "m2", "m1", "m0"]
    assert items[0].content == "m9" and items[9].content == "m0"
    assert items[-1].content == "m0" and items[-10].content == "m9"
    assert contents(items[-3:]) == ["m2", "m1", "m0"]
    assert contents(items[2:-5]) == ["m7", "m6", "m5"]
    assert contents(items[::3]) == ["m9", "m6", "m3", "m0"]
    assert contents(items[8:1:-3]) == ["m1", "m4", "m7"]
    assert contents(items[8:20]) == ["m1", "m0"]
    assert contents(items[20:]) == [] and contents(items[5:5]) == []
    assert len(items[:5]) == 5 and len(items[6:]) == 4 and len(items[8:20]) == 2
    assert contents(items[2:8][1:3]) == ["m6", "m5"]
    assert contents(items[2:8][4:]) == ["m3", "m2"]
    assert contents(reversed(items[:3])) == ["m7", "m8", "m9"]
    for bad in (10, -11):
        with pytest.raises(IndexError):
            items[bad]


def test_slices_are_lazy_until_read(feeds: Feeds) -> None:
    add_numbered(feeds, "alice", 3)
    view = feeds.get_stream_items("alice")[1:]
    feeds.add_stream_item("alice", "newest", BASE + timedelta(days=1))
    # The slice was taken before the insert but is read after it.
    assert contents(view) == ["m2", "m1", "m0"]


class CountingBackend:
    """Passes through to a real backend, counting what reads return."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.items = self.keys = self.counts = 0

    def reset(self) -> None:
        self.items = self.keys = self.counts = 0

    def add(self, users: Any, item: StreamItem) -> None:
        self.inner.add(users, item)

    def count(self, user: str) -> int:
        self.counts += 1
        return int(self.inner.count(user))

    def read(self, user: str, window: ReadWindow) -> list[StreamItem]:
        found = list(self.inner.read(user, window))
        self.items += len(found)
        return found

    def read_keys(self, user: str, window: ReadWindow) -> list[str]:
        found = list(self.inner.read_keys(user, window))
        self.keys += len(found)
        return found


def test_slices_read_only_what_they_need(feeds: Feeds) -> None:
    items = (StreamItem(f"i{n:04d}", f"m{n}", BASE + timedelta(minutes=n)) for n in range(300))
    feeds.backend.import_items("alice", items)  # type: ignore[attr-defined]
    counting = CountingBackend(feeds.backend)
    view = Feeds(counting).get_stream_items("alice")  # type: ignore[arg-type]

    assert len(view) == 300
    assert (counting.counts, counting.items, counting.keys) == (1, 0, 0)
    page = view[40:60]
    assert (counting.items, counting.keys) == (0, 0)  # a slice is lazy
    assert contents(page) == [f"m{n}" for n in range(259, 239, -1)]
    assert (counting.items, counting.keys) == (20, 40)  # 40 keys walked, 20 items read
    counting.reset()
    assert contents(view[60:80]) == [f"m{n}" for n in range(239, 219, -1)]
    assert (counting.items, counting.keys) == (20, 0)  # resumed where the last page ended
    counting.reset()
    assert view[0].content == "m299" and (counting.items, counting.keys) == (1, 0)
    counting.reset()
    assert view[-1].content == "m0"
    assert (counting.items, counting.keys) == (1, 0)  # read from the old end


def test_django_paginator_pages_100_items_10_at_a_time(feeds: Feeds) -> None:
    add_numbered(feeds, "alice", 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. UnorderedObjectListWarning
        paginator = Paginator(feeds.get_stream_items("alice"), 10)
    assert (paginator.count, paginator.num_pages) == (100, 10)
    first, last = paginator.page(1), paginator.page(10)
    assert contents(first) == newest_first(100)[:10]
    assert contents(last) == ["m9", "m8", "m7", "m6", "m5", "m4", "m3", "m2", "m1", "m0"]
    assert first.has_next() and not first.has_previous()
    assert not last.has_next() and last.has_previous()
    assert (first.start_index(), last.end_index()) == (1, 100)
    seen = [item.content for number in paginator.page_range for item in paginator.page(number)]
    assert seen == newest_first(100)


def test_identical_messages_are_kept_as_two_items(feeds: Feeds) -> None:
    first = feeds.add_stream_item("alice", "Same text", BASE)
    second = feeds.add_stream_item("alice", "Same text", BASE)
    items = feeds.get_stream_items("alice")
    assert len(items) == 2
    assert first.item_id != second.item_id
    # Equal timestamps: a stable order, the later addition first.
    assert [i.id for i in items] == [second.item_id, first.item_id]
    assert [i.id for i in items] == [i.id for i in feeds.get_stream_items("alice")]


@pytest.mark.parametrize(
    "text",
    [
        "☃ snowman",
        "emoji 😀🦄 and a 4-byte 𝄞 clef",
        "שלום עולם",  # Hebrew, right to left
        "مرحبا بالعالم",  # Arabic, right to left
        "mixed \u202eevil\u202c LTR/RTL, combining e\u0301, zero\u200bwidth",
        '<a href="/u/☃">HTML &amp; entities</a>\n\ttabs',
    ],
)
def test_unicode_round_trips(feeds: Feeds, text: str) -> None:
    feeds.add_stream_item(["alice", "bob"], text, BASE)
    assert feeds.get_stream_items("alice")[0].content == text
    assert feeds.page("bob", 5).items[0].content == text


# What the successor promises on top.


def test_explicit_created_at_in_the_past_and_the_future(feeds: Feeds) -> None:
    times = [
        datetime(1901, 1, 1, tzinfo=UTC),
        datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        BASE,
    ]
    for at in times:
        feeds.add_stream_item("alice", at.isoformat(), at)
    items = list(feeds.get_stream_items("alice"))
    assert [i.created_at for i in items] == sorted(times, reverse=True)
    assert [i.content for i in items] == [t.isoformat() for t in sorted(times, reverse=True)]


def test_aware_times_in_other_zones_are_stored_as_utc(feeds: Feeds) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    local = datetime(2024, 5, 1, 17, 30, 0, 123456, tzinfo=india)
    feeds.add_stream_item("alice", "from Delhi", local)
    stored = feeds.get_stream_items("alice")[0].created_at
    assert stored == datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_datetimes_are_rejected_and_nothing_is_stored(feeds: Feeds) -> None:
    with pytest.raises(NaiveDatetimeError, match="naive"):
        feeds.add_stream_item("alice", "when?", datetime(2024, 5, 1, 12, 0))
    with pytest.raises(InvalidItemError, match="datetime"):
        feeds.add_stream_item("alice", "when?", "2024-05-01")  # type: ignore[arg-type]
    with pytest.raises(NaiveDatetimeError):
        feeds.broadcast("when?", datetime(2024, 5, 1))
    assert len(feeds.get_stream_items("alice")) == 0


def test_content_limit_is_16_kb_of_utf8(feeds: Feeds) -> None:
    ascii_max = "x" * 16384
    emoji_max = "😀" * 4096  # 4 bytes each: exactly 16,384 bytes
    feeds.add_stream_item("alice", ascii_max, BASE)
    feeds.add_stream_item("alice", emoji_max, BASE + timedelta(seconds=1))
    assert contents(feeds.get_stream_items("alice")) == [emoji_max, ascii_max]
    for too_big in ("x" * 16385, "😀" * 4097, "é" * 8193):
        with pytest.raises(ContentTooLargeError, match="16 KB"):
            feeds.add_stream_item(["alice", "bob"], too_big, BASE)
    for bad in ("", b"bytes", None):
        with pytest.raises(InvalidItemError):
            feeds.add_stream_item("alice", bad, BASE)  # type: ignore[arg-type]
    assert len(feeds.get_stream_items("alice")) == 2
    assert len(feeds.get_stream_items("bob")) == 0


def test_bad_user_ids_are_rejected_before_anything_is_written(feeds: Feeds) -> None:
    for bad in (["ok", ""], ["ok", 42], ["ok", "x" * 300], b"alice", 42):
        with pytest.raises(InvalidItemError):
            feeds.add_stream_item(bad, "hi", BASE)  # type: ignore[arg-type]
    assert len(feeds.get_stream_items("ok")) == 0


def test_max_length_trims_the_oldest_items(make_feeds: MakeFeeds) -> None:
    feeds = make_feeds(max_length=5)
    add_numbered(feeds, "alice", 8)
    items = feeds.get_stream_items("alice")
    assert len(items) == 5
    assert contents(items) == ["m7", "m6", "m5", "m4", "m3"]
    # An item older than everything kept is trimmed at once.
    feeds.add_stream_item("alice", "ancient", BASE - timedelta(days=365))
    assert contents(items) == ["m7", "m6", "m5", "m4", "m3"]
    # Fan-out trims each recipient's own feed.
    feeds.add_stream_item(["alice", "bob"], "newest", BASE + timedelta(days=1))
    assert contents(items) == ["newest", "m7", "m6", "m5", "m4"]
    assert contents(feeds.get_stream_items("bob")) == ["newest"]
    assert len(items) == len(all_items(feeds, "alice")) == 5


def test_a_retried_add_with_the_same_item_id_counts_once(feeds: Feeds) -> None:
    users = ["alice", "bob", "carol"]
    first = feeds.add_stream_item(users, "retry me", BASE, item_id="job-42")
    again = feeds.add_stream_item(users, "retry me", BASE, item_id="job-42")
    assert first.item_id == again.item_id == "job-42"
    for user in users:
        assert len(feeds.get_stream_items(user)) == 1
        assert [i.id for i in all_items(feeds, user)] == ["job-42"]
    with pytest.raises(InvalidItemError):
        feeds.add_stream_item("alice", "bad id", BASE, item_id="has#hash")


def test_a_broadcast_resumed_after_a_crash_has_no_duplicates(feeds: Feeds) -> None:
    users = [f"member-{i:02d}" for i in range(12)]
    feeds.register_users(users)
    crashing = Feeds(
        CrashingBackend(feeds.backend, crash_on=2),  # type: ignore[arg-type]
        users=feeds.users,
        jobs=feeds.jobs,
        chunk_size=5,
    )
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashing.broadcast("Resumable news", BASE, job_id="news-1")
    reached = [u for u in users if len(feeds.get_stream_items(u)) > 0]
    assert 5 <= len(reached) < 12  # the first chunk and half the second

    resumed = Feeds(feeds.backend, users=feeds.users, jobs=feeds.jobs, chunk_size=5)
    result = resumed.broadcast("Resumable news", BASE, job_id="news-1")
    assert result.resumed and result.job_id == "news-1"
    for user in users:
        items = all_items(feeds, user)
        assert contents(items) == ["Resumable news"], user
        assert len(feeds.get_stream_items(user)) == 1, user
    assert result.recipients == 12
    # Finished: running it again changes nothing; reusing the id for other content is refused.
    assert resumed.resume_broadcast("news-1").recipients == 12
    assert all(len(feeds.get_stream_items(u)) == 1 for u in users)
    with pytest.raises(BroadcastConflictError):
        resumed.broadcast("Different news", job_id="news-1")


def test_two_starts_of_one_broadcast_agree_on_one_item(feeds: Feeds) -> None:
    users = ["ann", "ben", "cat"]
    feeds.register_users(users)
    assert feeds.jobs is not None
    # Another process created job "race" just after our load found nothing.
    winner = BroadcastJob("race", "winner-item", "Race", BASE)
    assert feeds.jobs.create_job(winner) == winner

    class Blind:
        def __init__(self, inner: JobStore) -> None:
            self.inner = inner

        def load_job(self, job_id: str) -> None:
            return None

        def create_job(self, job: BroadcastJob) -> BroadcastJob:
            return self.inner.create_job(job)

        def save_job(self, job: BroadcastJob) -> None:
            self.inner.save_job(job)

    late = Feeds(feeds.backend, users=feeds.users, jobs=Blind(feeds.jobs))
    result = late.broadcast("Race", BASE, job_id="race")
    assert (result.item_id, result.resumed) == ("winner-item", True)
    for user in users:
        assert [i.id for i in all_items(feeds, user)] == ["winner-item"]


def test_cursor_pages_cover_the_feed_exactly_once(feeds: Feeds) -> None:
    add_numbered(feeds, "alice", 23)
    seen, cursor, pages = [], None, 0
    while True:
        page = feeds.page("alice", 5, cursor)
        seen += contents(page.items)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == newest_first(23) and pages == 5
    empty = feeds.page("nobody", 5)
    assert (empty.items, empty.next_cursor) == ([], None)
    exact = feeds.page("alice", 23)
    assert len(exact.items) == 23 and not exact.has_next


def test_cursors_stay_correct_while_items_arrive(feeds: Feeds) -> None:
    add_numbered(feeds, "alice", 60)
    before = [i.id for i in all_items(feeds, "alice")]
    stop = threading.Event()
    added: list[str] = []

    def writer() -> None:
        n = 0
        while not stop.is_set() and n < 200:
            # Newer items land above any cursor; some older ones below it.
            at = BASE + timedelta(days=1, seconds=n) if n % 3 else BASE - timedelta(seconds=n)
            added.append(feeds.add_stream_item("alice", f"new{n}", at).item_id)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen, keys, cursor = [], [], None
        while True:
            page = feeds.page("alice", 7, cursor)
            seen += [i.id for i in page.items]
            keys += [i.sort_key for i in page.items]
            feeds.add_stream_item("alice", "between pages", BASE + timedelta(days=2))
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    finally:
        stop.set()
        thread.join()
    assert len(seen) == len(set(seen)), "an item was repeated"
    assert [i for i in seen if i in set(before)] == before, "an item was skipped or reordered"
    assert keys == sorted(keys, reverse=True)


def test_cursors_are_checked(feeds: Feeds) -> None:
    add_numbered(feeds, "alice", 3)
    add_numbered(feeds, "bob", 3)
    cursor = feeds.page("alice", 1).next_cursor
    assert cursor is not None
    with pytest.raises(InvalidCursorError, match="another user"):
        feeds.page("bob", 1, cursor)
    for garbage in ("not-a-cursor", cursor[:-3], "", "x" * 600):
        with pytest.raises(InvalidCursorError):
            feeds.page("alice", 1, garbage)
    for limit in (0, 1001, -1, 2.5):
        with pytest.raises(InvalidItemError):
            feeds.page("alice", limit)  # type: ignore[arg-type]
