"""``Feeds``: the public operations over one backend, with explicit wiring.

The module-level functions in ``chalicelib.feeds`` use a default ``Feeds``
built from the environment; tests and other callers build their own with
``Feeds.from_settings(settings)`` or ``Feeds(backend)``, so nothing depends on
import-time globals.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Final

from chalicelib.core.settings import Settings
from chalicelib.feeds.broadcasting import run_broadcast
from chalicelib.feeds.cursors import decode_cursor, encode_cursor
from chalicelib.feeds.errors import FeedError
from chalicelib.feeds.inputs import check_content, check_limit, check_user, user_chunks
from chalicelib.feeds.items import (
    AddResult,
    BatchMark,
    BroadcastResult,
    Delivery,
    Page,
    StreamItem,
)
from chalicelib.feeds.keys import check_item_id, new_item_id
from chalicelib.feeds.loading import load_backend
from chalicelib.feeds.merging import MergedFeed
from chalicelib.feeds.protocol import (
    Addition,
    FeedBackend,
    FeedReader,
    JobStore,
    PullDirectory,
    ReadWindow,
    SupportsAddMany,
    UserDirectory,
)
from chalicelib.feeds.sequence import StreamItems
from chalicelib.feeds.times import to_utc, utc_now

#: Recipients handed to the backend at once (and broadcast progress granularity).
CHUNK_SIZE: Final = 500
#: Feed rows (item x recipient) one ``add_many`` call writes at most: bounds memory.
BATCH_ROWS: Final = 5000


class Feeds:
    """Add to, read and page per-user feeds stored by ``backend``.

    ``users`` and ``jobs`` are only needed by ``broadcast``; when not given,
    a backend that implements those protocols itself serves them. With
    ``pulls``, reads merge each user's feed with the feeds it pulls (hot
    terms' feeds; see ``chalicelib.feeds.merging``).
    """

    def __init__(
        self,
        backend: FeedBackend,
        *,
        users: UserDirectory | None = None,
        jobs: JobStore | None = None,
        chunk_size: int = CHUNK_SIZE,
        pulls: PullDirectory | None = None,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self.backend = backend
        if users is None and isinstance(backend, UserDirectory):
            users = backend
        if jobs is None and isinstance(backend, JobStore):
            jobs = backend
        self.users = users
        self.jobs = jobs
        self.chunk_size = chunk_size
        self.pulls = pulls

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        chunk_size: int = CHUNK_SIZE,
        pulls: PullDirectory | None = None,
    ) -> Feeds:
        """The configured backend; users and jobs in DynamoDB unless it serves them."""
        from chalicelib.feeds.backends.directory import DynamoJobStore, DynamoUserDirectory

        backend = load_backend(settings)
        users = backend if isinstance(backend, UserDirectory) else DynamoUserDirectory(settings)
        jobs = backend if isinstance(backend, JobStore) else DynamoJobStore(settings)
        return cls(backend, users=users, jobs=jobs, chunk_size=chunk_size, pulls=pulls)

    def add_stream_item(
        self,
        user_or_users: str | Iterable[str],
        content: str,
        created_at: datetime | None = None,
        *,
        item_id: str | None = None,
    ) -> AddResult:
        """Add one item to one feed (a str) or to many (any iterable of user ids).

        ``created_at`` defaults to now and must be timezone-aware. Pass
        ``item_id`` to make the call repeatable: calling again with the same
        id, content and time (after a crash or timeout) stores and counts the
        item once. Recipients are written in chunks; if a chunk fails, earlier
        ones stay written, and retrying with the returned-or-chosen id is safe.
        """
        recipients = [user_or_users] if isinstance(user_or_users, str) else user_or_users
        delivery = Delivery(recipients, content, created_at, item_id)
        return self.add_stream_items([delivery])[0]

    def add_stream_items(
        self, deliveries: Iterable[Delivery], *, mark: BatchMark | None = None
    ) -> list[AddResult]:
        """Add many items, each to its own recipients, in as few requests as the store allows.

        Rows of different items share batch writes, and each user's count and
        trim happen once per call (per ``BATCH_ROWS`` rows), not once per item.
        Every item is checked before anything is written. The retry rules of
        ``add_stream_item`` hold per delivery. ``mark`` is for a caller that
        runs one batch at a time per writer (see ``BatchMark``); backends may
        then count with fewer, unconditional writes.
        """
        deliveries = list(deliveries)
        items = [self._new_item(delivery) for delivery in deliveries]
        for delivery in deliveries:
            if isinstance(delivery.recipients, Collection) and not isinstance(
                delivery.recipients, str | bytes | bytearray
            ):
                for user in delivery.recipients:  # fail before writing anything when we can
                    check_user(user)
        sent = [0] * len(items)
        batch: list[Addition] = []
        rows = 0
        for index, (delivery, item) in enumerate(zip(deliveries, items, strict=True)):
            for chunk in user_chunks(delivery.recipients, self.chunk_size):
                batch.append(Addition(item, chunk))
                rows += len(chunk)
                sent[index] += len(chunk)
                if rows >= BATCH_ROWS:
                    self._add_many(batch, mark)
                    batch, rows = [], 0
        if batch:
            self._add_many(batch, mark)
        return [AddResult(item.id, item.created_at, n) for item, n in zip(items, sent, strict=True)]

    def _new_item(self, delivery: Delivery) -> StreamItem:
        return StreamItem(
            check_item_id(delivery.item_id) if delivery.item_id is not None else new_item_id(),
            check_content(delivery.content),
            utc_now() if delivery.created_at is None else to_utc(delivery.created_at),
        )

    def _add_many(self, batch: list[Addition], mark: BatchMark | None) -> None:
        if isinstance(self.backend, SupportsAddMany):
            self.backend.add_many(batch, mark)
            return
        for addition in batch:  # a backend with single adds only
            self.backend.add(addition.users, addition.item)

    def get_stream_items(self, user: str) -> StreamItems:
        """``user``'s feed, newest first, lazy: see ``StreamItems``."""
        user = check_user(user)
        return StreamItems(self._reader(user), user)

    def own_count(self, user: str) -> int:
        """The items stored in ``user``'s own feed, pulled feeds left out: O(1)."""
        return self.backend.count(check_user(user))

    def _reader(self, user: str) -> FeedReader:
        pulls = self.pulls.pulls(user) if self.pulls is not None else []
        return MergedFeed(self.backend, user, pulls) if pulls else self.backend

    def page(self, user: str, limit: int, cursor: str | None = None) -> Page:
        """Up to ``limit`` items older than ``cursor`` (newest first), and the next cursor.

        Items added while paging land above the cursor and never shift it, so
        no item present at the start is skipped or repeated.
        """
        user = check_user(user)
        limit = check_limit(limit)
        after = None if cursor is None else decode_cursor(user, cursor)
        items = self._reader(user).read(user, ReadWindow(limit + 1, after))
        more = len(items) > limit
        items = items[:limit]
        return Page(items, encode_cursor(user, items[-1].sort_key) if more else None)

    def broadcast(
        self,
        content: str,
        created_at: datetime | None = None,
        *,
        job_id: str | None = None,
    ) -> BroadcastResult:
        """Add one item to every known user, resumably.

        Give ``job_id`` to be able to resume: calling again with the same id
        (and content) after a crash continues where the saved progress stops,
        without duplicates. Calling it on a finished job returns its result.
        """
        users, jobs = self._broadcast_stores()
        return run_broadcast(
            self.backend,
            users=users,
            jobs=jobs,
            content=content,
            created_at=created_at,
            job_id=job_id,
            chunk_size=self.chunk_size,
        )

    def resume_broadcast(self, job_id: str) -> BroadcastResult:
        """Finish broadcast ``job_id`` with its saved content and time."""
        users, jobs = self._broadcast_stores()
        return run_broadcast(
            self.backend,
            users=users,
            jobs=jobs,
            content=None,
            created_at=None,
            job_id=job_id,
            chunk_size=self.chunk_size,
        )

    def register_users(self, users: Iterable[str]) -> None:
        """Make users known to ``broadcast`` (normally done where users are created)."""
        self._broadcast_stores()[0].register_users([check_user(u) for u in users])

    def _broadcast_stores(self) -> tuple[UserDirectory, JobStore]:
        if self.users is None or self.jobs is None:
            raise FeedError("broadcast needs a user directory and a job store; see Feeds()")
        return self.users, self.jobs
