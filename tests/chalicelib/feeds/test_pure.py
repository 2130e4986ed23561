"""The pure pieces: time, keys, cursors, read planning, input checks, backoff.

No server: these run in milliseconds.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.core.models.definitions import FeedMessageModel
from chalicelib.core.settings import Settings
from chalicelib.core.times import format_time, model_time, parse_time
from chalicelib.feeds import (
    ContentTooLargeError,
    InvalidItemError,
    NaiveDatetimeError,
    StreamItem,
)
from chalicelib.feeds.backends.batching import backoff_delay
from chalicelib.feeds.backends.fanout import FanoutBackend
from chalicelib.feeds.backends.shared import SharedBackend
from chalicelib.feeds.cursors import decode_cursor, encode_cursor
from chalicelib.feeds.errors import InvalidCursorError
from chalicelib.feeds.inputs import check_content, check_limit, user_chunks
from chalicelib.feeds.keys import check_item_id, new_item_id, sort_key, split_sort_key
from chalicelib.feeds.planning import CHEAP_SKIP, ReadPlan, needs_total, plan_read
from chalicelib.feeds.times import to_utc

TIMES = [
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(2024, 5, 1, 12, 0, 0, 1, tzinfo=UTC),
    datetime(2024, 5, 1, 12, 0, 0, 10, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


# Time


def test_text_order_of_timestamps_is_time_order() -> None:
    texts = [format_time(t) for t in TIMES]
    assert texts == sorted(texts)
    assert all(len(text) == 27 for text in texts)
    assert [parse_time(text) for text in texts] == TIMES


def test_stored_time_text_matches_pynamodb() -> None:
    attribute = FeedMessageModel.created_at
    for t in TIMES:
        assert model_time(t) == attribute.serialize(t)  # type: ignore[no-untyped-call]


def test_to_utc_converts_aware_and_refuses_naive() -> None:
    tokyo = datetime(2024, 5, 1, 21, 0, tzinfo=timezone(timedelta(hours=9)))
    assert to_utc(tokyo) == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert to_utc(tokyo).utcoffset() == timedelta(0)
    with pytest.raises(NaiveDatetimeError, match=r"timezone\.utc"):
        to_utc(datetime(2024, 5, 1))
    with pytest.raises(InvalidItemError):
        to_utc("2024-05-01T00:00:00Z")


# Keys


def test_new_item_ids_are_unique_and_increasing() -> None:
    ids = [new_item_id() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(len(i) == 24 for i in ids)


def test_sort_keys_order_by_time_then_id_and_round_trip() -> None:
    t = datetime(2024, 5, 1, tzinfo=UTC)
    keys = [
        sort_key(t - timedelta(microseconds=1), "zzz"),
        sort_key(t, "a"),
        sort_key(t, "b"),
        sort_key(t + timedelta(microseconds=1), "a"),
    ]
    assert keys == sorted(keys)
    assert split_sort_key(keys[1]) == (t, "a")
    for bad in ("", "2024#x", format_time(t) + "#", format_time(t) + "|id", "x" * 40):
        with pytest.raises(ValueError, match=r"sort key|timestamp"):
            split_sort_key(bad)


@pytest.mark.parametrize("good", ["a", "tweet:1850000000000000001", "A-Z_0.9", "x" * 100])
def test_item_ids_accepted(good: str) -> None:
    assert check_item_id(good) == good


@pytest.mark.parametrize("bad", ["", "a#b", "x" * 101, "space here", "☃", 5, None])
def test_item_ids_refused(bad: object) -> None:
    with pytest.raises(InvalidItemError):
        check_item_id(bad)


# Cursors


def test_cursor_round_trip_is_opaque_and_bound_to_the_user() -> None:
    key = sort_key(datetime(2024, 5, 1, tzinfo=UTC), "abc")
    cursor = encode_cursor("alice", key)
    assert key not in cursor and "alice" not in cursor
    assert cursor.isascii() and "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor("alice", cursor) == key
    with pytest.raises(InvalidCursorError, match="another user"):
        decode_cursor("bob", cursor)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "%%%",
        "e30",  # {}
        "eyJ2IjoyfQ",  # {"v":2}
        encode_cursor("alice", "not a key"),
        "a" * 513,
    ],
)
def test_bad_cursors(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor("alice", cursor)


# Planning


def test_plan_reads_from_the_top_without_marks() -> None:
    assert plan_read(0, 5, {}) == ReadPlan(True, None, 0, 5)
    assert plan_read(40, 60, {}) == ReadPlan(True, None, 40, 20)
    assert plan_read(6, None, {}) == ReadPlan(True, None, 6, None)
    assert plan_read(5, 5, {}) is None and plan_read(7, 3, {}) is None


def test_plan_resumes_from_the_closest_mark_at_or_before_start() -> None:
    marks = {10: "k10", 20: "k20", 50: "k50"}
    assert plan_read(20, 30, marks) == ReadPlan(True, "k20", 0, 10)
    assert plan_read(25, 30, marks) == ReadPlan(True, "k20", 5, 5)
    assert plan_read(9, 12, marks) == ReadPlan(True, None, 9, 3)


def test_plan_reads_from_the_old_end_when_that_is_closer() -> None:
    assert plan_read(990, 1000, {}, total=1000) == ReadPlan(False, None, 0, 10)
    assert plan_read(999, 1000, {}, total=1000) == ReadPlan(False, None, 0, 1)
    assert plan_read(400, 410, {}, total=1000) == ReadPlan(True, None, 400, 10)
    assert plan_read(500, 510, {}, total=600) == ReadPlan(False, None, 90, 10)
    assert plan_read(995, 2000, {}, total=1000) == ReadPlan(False, None, 0, 5)
    assert plan_read(1000, 2000, {}, total=1000) is None


def test_the_length_is_only_worth_asking_for_deep_bounded_reads() -> None:
    assert not needs_total(CHEAP_SKIP, CHEAP_SKIP + 10, {})
    assert needs_total(CHEAP_SKIP + 1, CHEAP_SKIP + 10, {})
    assert not needs_total(5000, None, {})
    assert not needs_total(5000, 5010, {4990: "k"})


def test_plan_refuses_negative_offsets() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        plan_read(-1, 3, {})


# Inputs


def test_user_chunks_treat_a_string_as_one_user_and_stream_iterables() -> None:
    assert list(user_chunks("alice", 3)) == [["alice"]]
    consumed = []

    def users():  # type: ignore[no-untyped-def]
        for i in range(7):
            consumed.append(i)
            yield f"u{i}"

    chunks = user_chunks(users(), 3)
    assert next(chunks) == ["u0", "u1", "u2"] and consumed == [0, 1, 2]
    assert list(chunks) == [["u3", "u4", "u5"], ["u6"]]
    assert list(user_chunks(["a", "b", "a", "c"], 10)) == [["a", "b", "c"]]
    assert list(user_chunks([], 10)) == []
    for bad in (b"alice", 5, ["ok", None]):
        with pytest.raises(InvalidItemError):
            list(user_chunks(bad, 3))  # type: ignore[arg-type]


def test_content_limit_counts_utf8_bytes() -> None:
    assert check_content("é" * 8192) == "é" * 8192
    with pytest.raises(ContentTooLargeError, match="16385 bytes"):
        check_content("é" * 8192 + "x")
    with pytest.raises(InvalidItemError, match="surrogate"):
        check_content("\ud800")


def test_limits() -> None:
    assert check_limit(1) == 1 and check_limit(1000) == 1000
    for bad in (0, 1001, True, "10", 2.0):
        with pytest.raises(InvalidItemError):
            check_limit(bad)


# Backoff


def test_backoff_grows_exponentially_with_jitter_up_to_a_cap() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(n, 0.05, 5.0, rng) for n in range(1, 12)]
    for n, delay in enumerate(delays, start=1):
        step = min(5.0, 0.05 * 2 ** (n - 1))
        assert step / 2 <= delay <= step
    assert delays[-1] <= 5.0 and delays[6] > delays[0] * 8


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024-05-01T12:00:00.000000",
        "+024-05-01T12:00:00.000000Z",
        " 2024-05-01T12:00:00.00000Z",
        "2024-05-01T12:00:00.00000xZ",
        "2024-13-01T12:00:00.000000Z",
        "2024-05-01 12:00:00.000000Z",
        "\uff12\uff10\uff12\uff14-05-01T12:00:00.000000Z",  # full-width digits
    ],
)
def test_malformed_timestamps_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a feed timestamp"):
        parse_time(text)


def test_hand_built_rows_equal_what_the_models_would_write() -> None:
    settings = Settings(name_prefix="unit-rows")  # builds a client; sends nothing
    item = StreamItem("abc", "<b>☃</b>", datetime(1999, 12, 31, 23, 59, 59, 5, tzinfo=UTC))
    fanout, shared = FanoutBackend(settings), SharedBackend(settings)
    key = item.sort_key
    assert fanout.rows(["alice"], item) == [
        fanout.models.feed_items("alice", sk=key, content=item.content).serialize()
    ]
    assert shared.rows(["alice"], item) == [shared.models.feed_index("alice", sk=key).serialize()]
    assert (
        shared._message(item)
        == shared.models.feed_messages(
            "abc", content=item.content, created_at=item.created_at
        ).serialize()
    )
