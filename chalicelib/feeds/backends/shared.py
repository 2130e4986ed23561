"""``shared``: each item stored once, plus one small index row per recipient.

The successor of django-user-streams' many-to-many backend. A broadcast to N users writes
the content once and N index rows of a few dozen bytes, so storage stays small
when items go to many feeds. A page costs one Query on the index plus one
BatchGetItem for the contents.

The message row is written before any index row points at it, and reads are
strongly consistent, so a reader never meets a dangling pointer. Trimming
removes index rows only: a message can still be in other feeds, and nothing
counts its references, so trimmed-away messages stay (see the design note).
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.core.times import model_time
from chalicelib.feeds.backends.batching import WRITE_BATCH, RawItem, chunks
from chalicelib.feeds.backends.dynamo import DynamoBackend, run_all
from chalicelib.feeds.errors import FeedStoreError
from chalicelib.feeds.items import StreamItem
from chalicelib.feeds.keys import split_sort_key


class SharedBackend(DynamoBackend):
    """Rows in ``feed-index`` point at items in ``feed-messages``."""

    feed = "shared"

    @property
    def rows_table(self) -> str:
        return str(self.models.feed_index.Meta.table_name)

    @property
    def messages_table(self) -> str:
        return str(self.models.feed_messages.Meta.table_name)

    def _message(self, item: StreamItem) -> RawItem:
        return {
            "item_id": {"S": item.id},
            "content": {"S": item.content},
            "created_at": {"S": model_time(item.created_at)},
        }

    def store_items(self, items: Sequence[StreamItem]) -> None:
        if len(items) == 1:
            self.client.put_item(TableName=self.messages_table, Item=self._message(items[0]))
            return
        messages = [self._message(item) for item in items]
        run_all(
            lambda batch: self.batcher.write(self.messages_table, batch),
            chunks(messages, WRITE_BATCH),
        )

    def row_attributes(self, item: StreamItem) -> RawItem:
        return {"sk": {"S": item.sort_key}}

    def row_projection(self) -> str | None:
        return "#s"

    def hydrate(self, rows: list[RawItem]) -> list[StreamItem]:
        keys = [split_sort_key(row["sk"]["S"]) for row in rows]
        wanted = list(dict.fromkeys(item_id for _, item_id in keys))
        found = self.batcher.get(
            self.messages_table,
            [{"item_id": {"S": item_id}} for item_id in wanted],
            projection="#i, #c",
            names={"#i": "item_id", "#c": "content"},
        )
        contents = {row["item_id"]["S"]: row["content"]["S"] for row in found}
        missing = [item_id for item_id in wanted if item_id not in contents]
        if missing:
            raise FeedStoreError(
                f"feed-messages lacks items {missing[:5]} that index rows point at"
            )
        return [StreamItem(item_id, contents[item_id], created_at) for created_at, item_id in keys]
