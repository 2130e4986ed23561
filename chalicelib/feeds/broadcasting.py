"""Broadcast: one item to every known user, in chunks that survive a crash.

Progress (the directory position reached, the item id and time) is saved
after every chunk. Resuming re-runs at most the chunk that was in flight, and
that is safe because backend writes are idempotent per (user, item): the same
item id and time give the same row keys, and counters skip ids already counted.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from chalicelib.feeds.errors import BroadcastConflictError, InvalidItemError
from chalicelib.feeds.inputs import check_content, check_user
from chalicelib.feeds.items import BroadcastResult, StreamItem
from chalicelib.feeds.keys import check_item_id, new_item_id
from chalicelib.feeds.protocol import BroadcastJob, FeedBackend, JobStore, UserDirectory
from chalicelib.feeds.times import to_utc, utc_now

log = logging.getLogger(__name__)


def run_broadcast(
    backend: FeedBackend,
    *,
    users: UserDirectory,
    jobs: JobStore,
    content: str | None,
    created_at: datetime | None,
    job_id: str | None,
    chunk_size: int,
) -> BroadcastResult:
    """Start job ``job_id`` (new id if None) or resume it if it exists.

    ``content`` None means "whatever the saved job says" (resume only).
    """
    existing = jobs.load_job(check_item_id(job_id)) if job_id is not None else None
    if existing is None:
        if content is None:
            raise InvalidItemError(f"no broadcast job {job_id!r} to resume")
        fresh = BroadcastJob(
            job_id=job_id or new_item_id(),
            item_id=new_item_id(),
            content=check_content(content),
            created_at=utc_now() if created_at is None else to_utc(created_at),
        )
        job = jobs.create_job(fresh)
        resumed = job.item_id != fresh.item_id  # another caller started it first
    else:
        job, resumed = existing, True
    if resumed:
        _check_same(job, content, created_at)
    item = StreamItem(job.item_id, job.content, job.created_at)
    while not job.done:
        page = users.users_after(job.after, chunk_size)
        recipients = _valid(page.users)
        if recipients:
            backend.add(recipients, item)
        job = replace(
            job,
            after=page.next_after,
            recipients=job.recipients + len(recipients),
            done=page.next_after is None,
        )
        jobs.save_job(job)
    return BroadcastResult(job.job_id, job.item_id, job.created_at, job.recipients, resumed)


def _check_same(job: BroadcastJob, content: str | None, created_at: datetime | None) -> None:
    if content is not None and content != job.content:
        raise BroadcastConflictError(f"broadcast {job.job_id!r} exists with different content")
    if created_at is not None and to_utc(created_at) != job.created_at:
        raise BroadcastConflictError(f"broadcast {job.job_id!r} exists with another created_at")


def _valid(users: list[str]) -> list[str]:
    """Directory rows that are not valid user ids are skipped, not fatal.

    One bad row must not block every future broadcast.
    """
    valid = []
    for user in dict.fromkeys(users):
        try:
            valid.append(check_user(user))
        except InvalidItemError:
            log.warning("broadcast skips an invalid user id %r", user)
    return valid
