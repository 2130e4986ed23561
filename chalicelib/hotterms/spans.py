"""When a term's tweets are pulled at read time instead of pushed: the pure rules.

A term with many subscribers is "hot": its tweets are stored once, in the
term's own feed, and merged into each subscriber's feed when read, instead of
being written into every subscriber's feed. Which tweets are pulled is fixed
by the term's *spans*: a tweet whose ``created_at`` falls in a span is pulled,
any other is pushed. Spans are decided ``lead`` ahead of when they start or
end, so every consumer (each refreshing its view more often than ``lead``)
makes the same choice for every tweet, and a tweet is never both pushed and
pulled, nor neither. A span, once started, never changes; only the open end
of the last one is set, again ``lead`` ahead.

Hysteresis: a term turns hot at ``threshold`` subscribers and cold again
only below half of it, so a count hovering at the threshold does not flap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from chalicelib.core.times import format_time, parse_time

#: Spans kept per term; at the cap a term stays as it is (practically never reached).
MAX_SPANS: Final = 100
SEPARATOR: Final = "/"


@dataclass(frozen=True, slots=True)
class Span:
    """Tweets created in ``[start, end)`` are pulled; ``end`` None: still open."""

    start: datetime
    end: datetime | None = None

    def holds(self, created_at: datetime) -> bool:
        return self.start <= created_at and (self.end is None or created_at < self.end)


def parse_spans(texts: Iterable[str]) -> tuple[Span, ...]:
    """Spans from their stored text, ``<start>/<end>`` (end empty while open)."""
    spans = []
    for text in texts:
        start, _, end = text.partition(SEPARATOR)
        spans.append(Span(parse_time(start), parse_time(end) if end else None))
    return tuple(spans)


def format_spans(spans: Iterable[Span]) -> list[str]:
    return [
        f"{format_time(s.start)}{SEPARATOR}{format_time(s.end) if s.end else ''}" for s in spans
    ]


def is_pulled(spans: Sequence[Span], created_at: datetime) -> bool:
    """Whether a tweet created at ``created_at`` goes to the term's feed, not its subscribers'."""
    return any(span.holds(created_at) for span in reversed(spans))


def is_hot(spans: Sequence[Span]) -> bool:
    """Hot, or turning hot: the last span is open."""
    return bool(spans) and spans[-1].end is None


def is_hot_text(texts: Iterable[object] | None) -> bool:
    """``is_hot`` of spans as a terms row stores them (None: never hot)."""
    return is_hot(parse_spans(str(text) for text in texts or ()))


def cold_below(threshold: int) -> int:
    """A hot term turns cold when its subscribers drop below this."""
    return max(1, threshold // 2)


def next_spans(
    spans: Sequence[Span], subscribers: int, threshold: int, now: datetime, lead: timedelta
) -> tuple[Span, ...] | None:
    """The spans after a change of ``subscribers``; None if nothing changes.

    ``threshold`` 0 switches pulling off: an open span is closed and none opens.
    """
    hot = is_hot(spans)
    if not hot and threshold and subscribers >= threshold and len(spans) < MAX_SPANS:
        return (*spans, Span(now + lead))
    if hot and (not threshold or subscribers < cold_below(threshold)):
        last = spans[-1]
        end = max(now + lead, last.start)
        if end == last.start:  # it never took effect: forget it
            return tuple(spans[:-1])
        return (*spans[:-1], Span(last.start, end))
    return None
