"""``streamfeed export tweets``: stored tweets as v2 stream lines, to import elsewhere.

Each line is the stream line the consumer stored (X's own, with its
``matching_rules``), so ``streamfeed import tweets`` on another stage reads it
back unchanged; term ids are hashes of the rule text, so a stage with the same
terms files the tweets under the same terms. A row stored without its line is
written from its fields (id, text, time, author).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Final

import orjson

from chalicelib.core import aws
from chalicelib.core.settings import Settings
from chalicelib.core.times import format_time, parse_model_time
from tools.feedrebuild.stored import StoredData, StoredTweet, pages, stored_tweet

BATCH: Final = 100


@dataclass
class Exported:
    tweets: int = 0
    without_line: int = 0


def export_tweets(
    settings: Settings,
    out: IO[bytes],
    *,
    term_ids: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> Exported:
    """Write the tweets of ``term_ids`` (every stored tweet if none) created in [since, until)."""
    data = StoredData(settings, aws.client(settings, "dynamodb"))
    tweets = _by_terms(data, term_ids, since, until) if term_ids else _all(data, since, until)
    result = Exported()
    for tweet in tweets:
        line = tweet.source.raw_line if tweet.from_payload else orjson.dumps(tweet.source.line)
        out.write(line.rstrip(b"\n") + b"\n")
        result.tweets += 1
        result.without_line += not tweet.from_payload
    out.flush()
    return result


def _by_terms(
    data: StoredData, term_ids: Sequence[str], since: datetime | None, until: datetime | None
) -> Iterator[StoredTweet]:
    """Oldest first along the terms' timelines, each tweet once."""
    stop = f"{format_time(until)}#" if until is not None else None
    seen: set[str] = set()
    batch: list[str] = []
    for row in data.timeline_rows(term_ids, since):
        if stop is not None and row.sk >= stop:
            break
        if row.tweet_id in seen:
            continue
        seen.add(row.tweet_id)
        batch.append(row.tweet_id)
        if len(batch) >= BATCH:
            yield from _fetch(data, batch)
            batch = []
    yield from _fetch(data, batch)


def _fetch(data: StoredData, ids: list[str]) -> Iterator[StoredTweet]:
    found = data.tweets(ids) if ids else {}
    return (found[i] for i in ids if i in found)


def _all(data: StoredData, since: datetime | None, until: datetime | None) -> Iterator[StoredTweet]:
    """Every stored tweet in the range, in the table's order (a Scan: no global time order)."""
    request: dict[str, Any] = {"TableName": data.tweets_table}
    for row in pages(data.client.scan, request):
        if "created_at" not in row:
            continue
        at = parse_model_time(row["created_at"]["S"])
        if (since is None or at >= since) and (until is None or at < until):
            yield stored_tweet(row)
