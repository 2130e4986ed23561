"""``--from-file PATH|-``: replay JSON lines through the live pipeline.

Accepts what ``--to-file`` wrote (stream lines) and bare tweet objects. A bad
line is counted and reported with its line number; it never stops the run.
A progress bar with the rate shows when reading a file with a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from streamer import lines
from streamer.pipeline import Pipeline


@dataclass
class Replay:
    read: int = 0
    sent: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)


def replay(source: str, pipeline: Pipeline, *, progress: bool | None = None) -> Replay:
    """Feed every line of ``source`` (a path or ``-``) to ``pipeline``."""
    if source == "-":
        return _feed(sys.stdin.buffer, pipeline, Replay())
    path = Path(source)
    show = sys.stderr.isatty() if progress is None else progress
    with path.open("rb") as handle:
        if not show:
            return _feed(handle, pipeline, Replay())
        # Imported here: the live streamer imports this module but never shows a bar.
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        columns = (
            TextColumn("replaying {task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task(path.name, total=path.stat().st_size)
            return _feed(handle, pipeline, Replay(), lambda n: bar.advance(task, n))


def _feed(
    handle: BinaryIO,
    pipeline: Pipeline,
    result: Replay,
    advance: Callable[[int], object] | None = None,
) -> Replay:
    for number, raw in enumerate(handle, start=1):
        result.read += 1
        if advance is not None:
            advance(len(raw))
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        try:
            normalised = lines.normalise(line)
        except lines.BadLine as exc:
            result.bad.append((number, str(exc)))
            continue
        before = pipeline.counters.received
        pipeline.handle(normalised)
        if pipeline.counters.received > before:
            result.sent += 1
    return result
