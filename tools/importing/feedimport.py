"""Load feed items into the configured backend through the many-items API, exactly once.

Rows are grouped into batches; rows sharing an item id become one delivery to
several users; items a feed already holds are left out
(:mod:`tools.feedpresence`), so a second import adds and counts nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

from chalicelib.feeds import Delivery, Feeds
from chalicelib.feeds.keys import sort_key
from tools.feedpresence import absent
from tools.importing.feeditems import BadRow, FeedRow

DEFAULT_BATCH: Final = 500


@dataclass
class FeedImport:
    rows: int = 0
    added: int = 0
    present: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    users: set[str] = field(default_factory=set)

    def line(self) -> str:
        return (
            f"{self.rows} rows read: {self.added} items added, {self.present} already there, "
            f"{len(self.bad)} bad rows, {len(self.users)} users"
        )


def import_feeds(
    feeds: Feeds,
    rows: Iterable[tuple[int, FeedRow | BadRow]],
    *,
    batch: int = DEFAULT_BATCH,
    progress: Callable[[FeedImport], object] | None = None,
) -> FeedImport:
    result = FeedImport()
    pending: list[tuple[int, FeedRow]] = []
    for number, row in rows:
        result.rows += 1
        if isinstance(row, BadRow):
            result.bad.append((number, str(row)))
            continue
        pending.append((number, row))
        if len(pending) >= batch:
            _write(feeds, pending, result)
            pending = []
            if progress is not None:
                progress(result)
    _write(feeds, pending, result)
    return result


def _write(feeds: Feeds, pending: list[tuple[int, FeedRow]], result: FeedImport) -> None:
    items: dict[str, FeedRow] = {}
    wanted: dict[str, set[str]] = {}
    for number, row in pending:
        first = items.setdefault(row.item_id, row)
        if (first.content, first.created_at) != (row.content, row.created_at):
            result.bad.append((number, f"item id {row.item_id!r} is used with other content"))
            continue
        wanted.setdefault(sort_key(row.created_at, row.item_id), set()).add(row.user)
        result.users.add(row.user)
    if not wanted:
        return
    lacking = absent(feeds, wanted)
    deliveries: list[Delivery] = []
    added = 0
    for row in items.values():
        recipients = sorted(lacking.get(sort_key(row.created_at, row.item_id), ()))
        if recipients:
            deliveries.append(Delivery(recipients, row.content, row.created_at, row.item_id))
            added += len(recipients)
    result.added += added
    result.present += sum(len(users) for users in wanted.values()) - added
    if deliveries:
        feeds.add_stream_items(deliveries)
