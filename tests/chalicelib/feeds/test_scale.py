"""Big feeds: a 10,000-recipient fan-out and a 100,000-item feed read page by page.

Setup data is bulk-loaded (``import_items``: batch writes, one counter update)
so the test spends its time on the behaviour under test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.feeds import Feeds, StreamItem
from chalicelib.feeds.backends.dynamo import DynamoBackend
from tests.chalicelib.feeds.conftest import BASE

pytestmark = pytest.mark.slow

RECIPIENTS = 10_000
#: 100,000 items for the default backend (and memory); ``shared`` writes two
#: rows per item and pages through the same code, so 20,000 prove it at a
#: fifth of the suite's longest test (~5 min on a loaded 2-core runner).
FEED_SIZES = {"memory": 100_000, "fanout": 100_000, "shared": 20_000, "redis": 100_000}


def test_fan_out_to_ten_thousand_recipients(feeds: Feeds) -> None:
    users = (f"user-{i:05d}" for i in range(RECIPIENTS))  # a generator, never a list
    result = feeds.add_stream_item(users, "Big announcement", BASE)
    assert result.recipients == RECIPIENTS
    for i in [*range(0, RECIPIENTS, 101), RECIPIENTS - 1]:
        items = feeds.get_stream_items(f"user-{i:05d}")
        assert len(items) == 1
        assert (items[0].id, items[0].content) == (result.item_id, "Big announcement")
    if isinstance(feeds.backend, DynamoBackend):
        _every_row_and_counter_exists(feeds.backend, result.item_id)


def _every_row_and_counter_exists(backend: DynamoBackend, item_id: str) -> None:
    """All 10,000 rows and counters, checked in the tables themselves."""
    client = backend.client
    rows: dict[str, str] = {}
    for page in client.get_paginator("scan").paginate(TableName=backend.rows_table):
        for row in page["Items"]:
            rows[row["user_id"]["S"]] = row["sk"]["S"]
    assert len(rows) == RECIPIENTS
    assert all(sk.endswith("#" + item_id) for sk in rows.values())
    counters = backend.models.feed_counters.Meta.table_name
    totals = []
    for page in client.get_paginator("scan").paginate(TableName=counters):
        totals += [int(row["item_count"]["N"]) for row in page["Items"]]
    assert len(totals) == RECIPIENTS and set(totals) == {1}


def test_a_hundred_thousand_item_feed_read_page_by_page(feeds: Feeds, backend_name: str) -> None:
    FEED_SIZE = FEED_SIZES[backend_name]

    def items() -> object:
        for i in range(FEED_SIZE):
            yield StreamItem(f"item{i:06d}", f"#{i}", BASE + timedelta(seconds=i))

    assert feeds.backend.import_items("reader", items()) == FEED_SIZE  # type: ignore[attr-defined]
    assert len(feeds.get_stream_items("reader")) == FEED_SIZE

    expected = FEED_SIZE - 1  # newest first
    pages, cursor = 0, None
    while True:
        page = feeds.page("reader", 1000, cursor)
        for item in page.items:
            assert item.content == f"#{expected}"
            assert item.created_at == BASE + timedelta(seconds=expected)
            expected -= 1
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert expected == -1 and pages == FEED_SIZE // 1000

    # Offset access on the same feed: deep positions without reading the prefix twice.
    sequence = feeds.get_stream_items("reader")
    assert sequence[FEED_SIZE - 1].content == "#0"
    middle = FEED_SIZE // 2
    assert [i.content for i in sequence[middle : middle + 3]] == [
        f"#{middle - 1}",
        f"#{middle - 2}",
        f"#{middle - 3}",
    ]
