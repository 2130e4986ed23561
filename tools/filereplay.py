"""Tweets from files through the live pipeline: ``streamfeed import tweets`` and
``streamfeed stream --from-file``.

Every line is read as one of the formats of :mod:`tools.importing.formats`
(v2 stream lines, twarc2 lines and pages, v1.1 and v2 tweets), from a file, a
gzip file or stdin. A bad line is counted and reported with its line number;
it never stops the run and is never shipped. Storage is idempotent by tweet
id, so importing a file again stores nothing new. A progress bar with the rate
shows when reading a file with a terminal.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from streamer.lines import BadLine
from streamer.pipeline import Pipeline
from tools.importing.formats import convert
from tools.importing.sources import Source, open_source


@dataclass
class Replay:
    read: int = 0
    sent: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)


def replay(
    source: str,
    pipeline: Pipeline,
    *,
    term_ids: Sequence[str] = (),
    progress: bool | None = None,
) -> Replay:
    """Feed every tweet of ``source`` (a path or ``-``) to ``pipeline``, tagged ``term_ids``."""
    with open_source(source) as opened:
        show = sys.stderr.isatty() if progress is None else progress
        if not show or opened.size is None:
            return _feed(opened, pipeline, term_ids, Replay())
        # Imported here: rich is a tool's dependency, shown only on a terminal.
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        columns = (
            TextColumn("importing {task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task(opened.name, total=opened.size)
            at = lambda: bar.update(task, completed=opened.position())  # noqa: E731
            return _feed(opened, pipeline, term_ids, Replay(), at)


def _feed(
    opened: Source,
    pipeline: Pipeline,
    term_ids: Sequence[str],
    result: Replay,
    advance: Callable[[], object] | None = None,
) -> Replay:
    for number, line in opened.numbered():
        result.read += 1
        if advance is not None and number % 200 == 0:
            advance()
        if not line.strip():
            continue
        try:
            converted = convert(line, term_ids)
        except BadLine as exc:
            result.bad.append((number, str(exc)))
            continue
        result.kinds[converted.kind] += 1
        for stream_line in converted.lines:
            before = pipeline.counters.received
            pipeline.handle(stream_line)
            if pipeline.counters.received > before:
                result.sent += 1
    return result
