"""Counting each item once per user for a writer that batches: the pure rule.

A batch of deliveries updates each user's count once, and DynamoDB cannot put
many items conditionally. So a caller that never runs two batches at once (a
Kinesis shard's consumer) gets a counter row of its own per user, which only
it writes, read and put back whole. Exactness on retries comes from two marks
in that row:

- ``through``: the position of the last batch counted. Positions grow from
  batch to batch and stay the same when a batch is redone, so a batch behind
  ``through`` was counted in full (one put per user) and counts nothing;
- ``guard``: short digests of the ids counted at ``through`` and of the newest
  ``GUARD_KEEP`` before them, so a batch redone half way, or a later batch
  that repeats a recent item, counts only what is new.

Digests are 8 bytes of BLAKE2b: the row stays under 1 KB (one WCU per put)
with a full guard, and a false match needs a 1 in 2^64 collision.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import blake2b
from typing import Final

#: Digests kept from batches before the current position.
GUARD_KEEP: Final = 64
DIGEST_SIZE: Final = 8


@dataclass(frozen=True, slots=True)
class Tally:
    """One writer's share of one user's count, and what it has counted lately."""

    count: int = 0
    through: str | None = None
    guard: bytes = b""


def digest(item_id: str) -> bytes:
    return blake2b(item_id.encode(), digest_size=DIGEST_SIZE).digest()


def digests(guard: bytes) -> set[bytes]:
    return {guard[i : i + DIGEST_SIZE] for i in range(0, len(guard), DIGEST_SIZE)}


def count_batch(state: Tally, position: str, item_ids: Iterable[str]) -> tuple[Tally, int]:
    """The state after counting ``item_ids`` at ``position``, and how many were new.

    The guard keeps every digest counted at ``through`` plus the newest
    ``GUARD_KEEP`` from before it, so it is bounded by one batch's items.
    """
    if state.through is not None and position < state.through:
        return state, 0  # an old batch again: counted in full when it ran
    seen = digests(state.guard)
    fresh: list[bytes] = []
    for item_id in item_ids:
        mark = digest(item_id)
        if mark not in seen:
            seen.add(mark)
            fresh.append(mark)
    if not fresh:
        return state, 0
    kept = state.guard
    if position != state.through:
        kept = kept[-DIGEST_SIZE * GUARD_KEEP :]
    return Tally(state.count + len(fresh), position, kept + b"".join(fresh)), len(fresh)
