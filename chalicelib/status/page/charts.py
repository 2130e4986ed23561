"""Tweets-per-minute charts as inline SVG, drawn on the server.

Drawing on the server keeps the page free of any JavaScript build and any
CDN: the HTML works offline and the same markup is what the browser test
sees. Bars are tweets received per minute; dots joined by a line are tweets
stored. Every bar has a ``<title>``, so hovering shows its time and value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from typing import Any, Final

WIDTH: Final = 560
HEIGHT: Final = 190
LEFT: Final = 44  # room for the y labels
RIGHT: Final = 8
TOP: Final = 10
BOTTOM: Final = 24  # room for the x labels


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value`` (min 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def bar_chart(points: Sequence[Mapping[str, Any]], *, title: str, label_every: int) -> str:
    """An SVG of ``points`` (``t``, ``received``, ``stored``); an empty grid says so."""
    values = [p.get("received") for p in points]
    stored = [p.get("stored") for p in points]
    present = [v for v in values + stored if isinstance(v, int | float)]
    top = nice_ceiling(max(present, default=0.0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(points))

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0.0, 0.5, 1.0):
        level = y(top * fraction)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{level:.1f}" y2="{level:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{level + 4:.1f}" text-anchor="end">'
            f"{_short(top * fraction)}</text>"
        )
    for index, point in enumerate(points):
        x = LEFT + index * slot
        if index % label_every == 0:
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 6}">{_clock(point.get("t"))}</text>'
            )
        value = values[index]
        if isinstance(value, int | float):
            top_y = y(value)
            parts.append(
                f'<rect class="bar" x="{x + slot * 0.1:.1f}" y="{top_y:.1f}" '
                f'width="{max(1.0, slot * 0.8):.1f}" height="{max(1.0, TOP + plot_h - top_y):.1f}" '
                f'data-value="{value:g}"><title>{_clock(point.get("t"))} UTC: '
                f"{value:g} received/min</title></rect>"
            )
    parts += _stored_line(stored, slot, y)
    if not present:
        parts.append(
            f'<text class="empty" x="{LEFT + plot_w / 2:.0f}" y="{TOP + plot_h / 2:.0f}" '
            'text-anchor="middle">No data in this period yet</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _stored_line(stored: Sequence[object], slot: float, y: Any) -> list[str]:
    """Dots for stored tweets, joined where consecutive minutes both have data."""
    parts: list[str] = []
    run: list[str] = []
    for index, value in enumerate([*stored, None]):
        if isinstance(value, int | float):
            cx, cy = LEFT + (index + 0.5) * slot, y(value)
            run.append(f"{cx:.1f},{cy:.1f}")
            parts.append(
                f'<circle class="stored" cx="{cx:.1f}" cy="{cy:.1f}" r="2.5">'
                f"<title>{value:g} stored/min</title></circle>"
            )
            continue
        if len(run) > 1:
            parts.insert(0, f'<polyline class="stored-line" points="{" ".join(run)}"/>')
        run = []
    return parts


def _clock(value: object) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%H:%M")
    except ValueError:
        return ""


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"
