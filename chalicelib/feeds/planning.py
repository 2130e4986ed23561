"""Turn an offset window of a newest-first feed into one range read.

DynamoDB has no OFFSET: reaching position N means walking N keys. The plan
picks the cheapest starting point: the newest end, a position remembered from
an earlier read (a "mark": the sort key just before offset N), or the oldest
end when the window is nearer to it. Pure logic, so it is tested without a
server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: Below this many keys to walk, reading from the newest end is cheap enough
#: that asking for the feed's length (one more request) is not worth it.
CHEAP_SKIP = 100


@dataclass(frozen=True)
class ReadPlan:
    """Walk past ``skip`` keys after ``after`` in the chosen direction, then take ``take``.

    ``take`` None means "to the end of the feed". With ``newest_first`` False the
    caller must reverse what it read to return it newest first.
    """

    newest_first: bool
    after: str | None
    skip: int
    take: int | None


def needs_total(start: int, stop: int | None, marks: Mapping[int, str]) -> bool:
    """Whether knowing the feed's length could make the read cheaper."""
    if stop is None:
        return False
    return start - _best_mark(start, marks)[0] > CHEAP_SKIP


def plan_read(
    start: int, stop: int | None, marks: Mapping[int, str], total: int | None = None
) -> ReadPlan | None:
    """The plan for offsets ``[start, stop)`` (newest = 0); None if surely empty.

    ``marks[n]`` is the sort key of the item at offset ``n - 1`` as seen
    earlier, i.e. the exclusive bound to resume reading at offset ``n``.
    """
    if start < 0 or (stop is not None and stop < 0):
        raise ValueError("plan_read takes absolute, non-negative offsets")
    if total is not None:
        stop = total if stop is None else min(stop, total)
    if stop is not None and stop <= start:
        return None
    mark_offset, mark_key = _best_mark(start, marks)
    take = None if stop is None else stop - start
    forward = ReadPlan(True, mark_key, start - mark_offset, take)
    if total is None or stop is None or take is None:
        return forward
    backward_skip = total - stop
    if backward_skip < forward.skip:
        return ReadPlan(False, None, backward_skip, take)
    return forward


def _best_mark(start: int, marks: Mapping[int, str]) -> tuple[int, str | None]:
    """The remembered position closest to ``start`` from above (offset 0 = the top)."""
    best = max((offset for offset in marks if offset <= start), default=0)
    return (best, marks[best]) if best else (0, None)
