"""What a feed backend must do, and the optional extras the front end uses.

The front end (``chalicelib.feeds.service``) owns everything that is the same
for every store: input checks, chunking recipients, lazy slicing, cursors and
resumable broadcasts. A backend only stores and reads ordered items, so a new
store is three methods. The README section "Writing your own backend" shows a
complete one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from chalicelib.feeds.items import BatchMark, StreamItem


@dataclass(frozen=True, slots=True)
class ReadWindow:
    """Which items ``read`` returns: up to ``limit``, strictly beyond ``after``.

    Newest first, "beyond" means older than the sort key ``after``; with
    ``newest_first`` False it means newer, and items come oldest first.
    ``after`` None starts at that end of the feed.
    """

    limit: int
    after: str | None = None
    newest_first: bool = True


@runtime_checkable
class FeedReader(Protocol):
    """What reading a feed needs: a backend, or a merged view of several feeds."""

    def count(self, user: str) -> int:
        """How many items ``user``'s feed holds, in O(1): no counting scan."""
        ...

    def read(self, user: str, window: ReadWindow) -> list[StreamItem]:
        """Up to ``window.limit`` items in the window's order; fewer only at the end."""
        ...


@runtime_checkable
class FeedBackend(FeedReader, Protocol):
    """Storage of per-user feeds, ordered by ``StreamItem.sort_key``.

    Backends are built from settings: the loader calls ``Backend(settings)``.
    """

    def add(self, users: Sequence[str], item: StreamItem) -> None:
        """Put ``item`` in the feed of every user in ``users``.

        ``users`` is a chunk of distinct, valid ids (the front end splits big
        recipient lists). Must be idempotent per (user, item.id): calling it
        again after a crash or a timeout must not make a second copy nor count
        the item twice. With a maximum feed length, trim the oldest items.
        """
        ...


@dataclass(frozen=True, slots=True)
class Addition:
    """``item`` for each of ``users``: one delivery, checked, as a backend gets it."""

    item: StreamItem
    users: Sequence[str]


@runtime_checkable
class SupportsAddMany(Protocol):
    """Optional: many items to many feeds in one call, bookkeeping once per user.

    Without it the front end calls ``add`` once per item. The same rules hold
    per (user, item): idempotent, trimmed. With ``mark``, the caller runs one
    batch at a time per ``mark.writer`` (see ``BatchMark``).
    """

    def add_many(self, additions: Sequence[Addition], mark: BatchMark | None = None) -> None:
        """Store every addition; a user may appear in several, an item in several."""
        ...


@runtime_checkable
class SupportsKeys(Protocol):
    """Optional: walk positions without fetching content (cheap offset skips)."""

    def read_keys(self, user: str, window: ReadWindow) -> list[str]:
        """Like ``read`` but only the sort keys."""
        ...


@runtime_checkable
class SupportsImport(Protocol):
    """Optional: load many items into one feed fast (migrations, test fixtures).

    Not idempotent: the counter grows by the number of items given.
    """

    def import_items(self, user: str, items: Iterable[StreamItem]) -> int: ...


@dataclass(frozen=True, slots=True)
class Pull:
    """Another feed merged into a user's when it is read: ``feed``'s items from ``since`` on.

    ``base`` is ``feed``'s count when the pull began: the items ``len()``
    leaves out (see ``chalicelib.feeds.merging``).
    """

    feed: str
    since: datetime
    base: int = 0


@runtime_checkable
class PullDirectory(Protocol):
    """Which feeds each user's reads merge in (hot terms' feeds, for streamfeed)."""

    def pulls(self, user: str) -> list[Pull]: ...


@dataclass(frozen=True, slots=True)
class UserPage:
    """Known users in a stable order; ``next_after`` None when there are no more."""

    users: list[str]
    next_after: str | None


@runtime_checkable
class UserDirectory(Protocol):
    """Every known user, paged in a stable order: what ``broadcast`` walks."""

    def users_after(self, after: str | None, limit: int) -> UserPage: ...

    def register_users(self, users: Iterable[str]) -> None: ...


@dataclass(frozen=True, slots=True)
class BroadcastJob:
    """Progress of one broadcast, saved after every chunk so a crash can resume.

    ``after`` is the directory position done so far (None: not started).
    """

    job_id: str
    item_id: str
    content: str
    created_at: datetime
    after: str | None = None
    recipients: int = 0
    done: bool = False


@runtime_checkable
class JobStore(Protocol):
    """Where broadcast progress lives between a crash and its resume."""

    def load_job(self, job_id: str) -> BroadcastJob | None: ...

    def create_job(self, job: BroadcastJob) -> BroadcastJob:
        """Store ``job`` unless its id exists; return the stored one.

        Atomic, so two callers starting the same job id at once agree on one
        item id instead of broadcasting twice.
        """
        ...

    def save_job(self, job: BroadcastJob) -> None: ...
