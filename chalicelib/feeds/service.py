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

from chalicelib.feeds.broadcasting import run_broadcast
from chalicelib.feeds.cursors import decode_cursor, encode_cursor
from chalicelib.feeds.errors import FeedError
from chalicelib.feeds.inputs import check_content, check_limit, check_user, user_chunks
from chalicelib.feeds.items import AddResult, BroadcastResult, Page, StreamItem
from chalicelib.feeds.keys import check_item_id, new_item_id
from chalicelib.feeds.loading import load_backend
from chalicelib.feeds.protocol import FeedBackend, JobStore, ReadWindow, UserDirectory
from chalicelib.feeds.sequence import StreamItems
from chalicelib.feeds.times import to_utc, utc_now
from chalicelib.settings import Settings

#: Recipients handed to the backend at once (and broadcast progress granularity).
CHUNK_SIZE: Final = 500


class Feeds:
    """Add to, read and page per-user feeds stored by ``backend``.

    ``users`` and ``jobs`` are only needed by ``broadcast``; when not given,
    a backend that implements those protocols itself serves them.
    """

    def __init__(
        self,
        backend: FeedBackend,
        *,
        users: UserDirectory | None = None,
        jobs: JobStore | None = None,
        chunk_size: int = CHUNK_SIZE,
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

    @classmethod
    def from_settings(cls, settings: Settings, *, chunk_size: int = CHUNK_SIZE) -> Feeds:
        """The configured backend; users and jobs in DynamoDB unless it serves them."""
        from chalicelib.feeds.backends.directory import DynamoJobStore, DynamoUserDirectory

        backend = load_backend(settings)
        users = backend if isinstance(backend, UserDirectory) else DynamoUserDirectory(settings)
        jobs = backend if isinstance(backend, JobStore) else DynamoJobStore(settings)
        return cls(backend, users=users, jobs=jobs, chunk_size=chunk_size)

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
        item = StreamItem(
            check_item_id(item_id) if item_id is not None else new_item_id(),
            check_content(content),
            utc_now() if created_at is None else to_utc(created_at),
        )
        if isinstance(user_or_users, Collection) and not isinstance(
            user_or_users, str | bytes | bytearray
        ):
            for user in user_or_users:  # fail before writing anything when we can
                check_user(user)
        recipients = 0
        for chunk in user_chunks(user_or_users, self.chunk_size):
            self.backend.add(chunk, item)
            recipients += len(chunk)
        return AddResult(item.id, item.created_at, recipients)

    def get_stream_items(self, user: str) -> StreamItems:
        """``user``'s feed, newest first, lazy: see ``StreamItems``."""
        return StreamItems(self.backend, check_user(user))

    def page(self, user: str, limit: int, cursor: str | None = None) -> Page:
        """Up to ``limit`` items older than ``cursor`` (newest first), and the next cursor.

        Items added while paging land above the cursor and never shift it, so
        no item present at the start is skipped or repeated.
        """
        user = check_user(user)
        limit = check_limit(limit)
        after = None if cursor is None else decode_cursor(user, cursor)
        items = self.backend.read(user, ReadWindow(limit + 1, after))
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
