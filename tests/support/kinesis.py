"""Read back everything the streamer put into a Kinesis stream."""

from __future__ import annotations

import orjson

from chalicelib.core.records import Entry
from tools.localcloud.readback import stream_entries as read_stream

__all__ = ["read_stream", "tweet_ids"]


def tweet_ids(entries: list[Entry]) -> list[str]:
    return [str(orjson.loads(e.line)["data"]["id"]) for e in entries]
