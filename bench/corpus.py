"""A corpus of realistic stream lines, captured once from the fake X.

Figures 2 and 3 and the scaling run need the same tweets the streamer would
see (``data`` + ``includes`` + ``matching_rules``, the fields the streamer asks
for), but without the cost of streaming them each time, so they are read off
the fake X's filtered stream once and kept as lines.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import requests

from bench.cloud import FakeXProcess
from chalicelib.core.records import Entry
from streamer.packing import Limits, Packer, Sealed
from streamer.xstream import STREAM_PARAMS

STREAM_PATH = "/2/tweets/search/stream"


def stream_query() -> dict[str, str]:
    """The streamer's own query parameters (``STREAM_PARAMS``) as X's URL parameters."""
    return {
        "expansions": ",".join(STREAM_PARAMS["expansions"]),
        "tweet.fields": ",".join(STREAM_PARAMS["tweet_fields"]),
        "user.fields": ",".join(STREAM_PARAMS["user_fields"]),
    }


def capture(count: int, path: Path, *, seed: int = 0) -> list[bytes]:
    """``count`` tweet lines from a fresh fake X (cached in ``path``)."""
    if path.exists():
        lines = path.read_bytes().splitlines()
        if len(lines) >= count:
            return lines[:count]
    lines = []
    with FakeXProcess(rate=200_000, seed=seed) as fake:
        fake.add_rules()
        session = requests.Session()
        session.trust_env = False
        headers = {"Authorization": f"Bearer {fake.client.bearer_token}"}
        with session.get(
            fake.url + STREAM_PATH, params=stream_query(), headers=headers, stream=True, timeout=30
        ) as response:
            response.raise_for_status()
            for line in response.iter_lines(chunk_size=64 * 1024):
                if line.startswith(b'{"data"'):
                    lines.append(line)
                    if len(lines) >= count:
                        break
        session.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return lines


def pack(lines: Sequence[bytes], *, rate: float, limits: Limits | None = None) -> Iterator[Sealed]:
    """The records the streamer's packer makes of ``lines`` arriving at ``rate`` per second.

    Time is simulated (line ``i`` arrives at ``i / rate``), so the linger rule
    (a record waits at most ``linger_s``) shapes the records as it would live.
    """
    packer = Packer(limits or Limits())
    start_ms = int(time.time() * 1000)
    for index, line in enumerate(lines):
        now = index / rate
        if packer.due(now):
            yield from packer.cut()
        yield from packer.add(Entry(start_ms + int(now * 1000), line), now)
    yield from packer.cut()
