"""``fanout``: one full copy of each item per recipient. Fastest reads.

A page is one Query on the recipient's partition and nothing else. The price
is storage and write volume: a broadcast to N users writes N copies of the
content (django-user-streams' single-table backend's trade-off, now on DynamoDB).
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.feeds.backends.batching import RawItem
from chalicelib.feeds.backends.dynamo import DynamoBackend
from chalicelib.feeds.items import StreamItem
from chalicelib.feeds.keys import split_sort_key


class FanoutBackend(DynamoBackend):
    """Rows in the ``feeds`` table: ``(user_id, sk) → content``; ``sk`` has the time and id."""

    feed = "fanout"

    @property
    def rows_table(self) -> str:
        return str(self.models.feed_items.Meta.table_name)

    def store_items(self, items: Sequence[StreamItem]) -> None:
        """Nothing: every row carries the whole item."""

    def row_attributes(self, item: StreamItem) -> RawItem:
        return {"sk": {"S": item.sort_key}, "content": {"S": item.content}}

    def hydrate(self, rows: list[RawItem]) -> list[StreamItem]:
        items = []
        for row in rows:
            # The key is the truth for order; created_at/item_id are for humans.
            created_at, item_id = split_sort_key(row["sk"]["S"])
            items.append(StreamItem(item_id, row["content"]["S"], created_at))
        return items
