"""The feed backends' batch reads and writes: the shared writer, failing as feeds fail.

Retrying what DynamoDB leaves unprocessed (backoff with jitter, bounded
attempts) lives once in :mod:`chalicelib.dynamo_batches`, used by the consumer
too. Feed callers catch :class:`~chalicelib.feeds.errors.FeedStoreError`, so
here that is the error raised when the retries run out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.dynamo_batches import (
    GET_BATCH,
    WRITE_BATCH,
    Batches,
    RawItem,
    backoff_delay,
    chunks,
)
from chalicelib.feeds.errors import FeedStoreError

__all__ = ["GET_BATCH", "WRITE_BATCH", "Batcher", "RawItem", "backoff_delay", "chunks"]


@dataclass
class Batcher(Batches):
    """:class:`~chalicelib.dynamo_batches.Batches` raising ``FeedStoreError``."""

    incomplete: Callable[[str], Exception] = FeedStoreError
