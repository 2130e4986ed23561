"""The stream status report: pure functions over what the streamer wrote.

The streamer writes ``ControlRecord(pk="streamer", sk="status")`` every poll
interval. A status reader must not trust a state that has stopped being
refreshed: a heartbeat older than three poll intervals means the streamer is
gone, whatever its last record says. The JSON route and the HTML status page
both build on :func:`build_report`, so they can never disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

STATUS_PK: Final = "streamer"
STATUS_SK: Final = "status"
STATES: Final = ("connected", "waiting-for-terms", "backing-off", "standby", "down")
SYNC_STATES: Final = ("pending", "active", "rejected")
#: Fields the streamer reports (null when absent or of the wrong type).
TEXT_FIELDS: Final = (
    "heartbeat_at",
    "connected_since",
    "last_tweet_at",
    "last_error",
    "last_error_at",
    "lease_holder",
    "host",
    "version",
)
NUMBER_FIELDS: Final = ("received", "shipped", "rate_per_min", "active_rules", "poll_interval")
FIELDS: Final = TEXT_FIELDS + NUMBER_FIELDS
STALE_AFTER_INTERVALS: Final = 3


@dataclass(frozen=True, slots=True)
class TermSync:
    """What the report needs to know about one term."""

    term_id: str
    value: str
    enabled: bool
    sync_state: str
    sync_error: str | None


def build_report(
    record: Mapping[str, Any] | None,
    terms: Iterable[TermSync],
    now: datetime,
    default_poll_interval: float,
) -> dict[str, Any]:
    """The status JSON: the streamer's fields, a trustworthy ``state``, and term sync."""
    data = dict(record or {})
    stream: dict[str, Any] = {name: _text(data.get(name)) for name in TEXT_FIELDS}
    stream.update({name: _number(data.get(name)) for name in NUMBER_FIELDS})
    interval = _positive(data.get("poll_interval")) or default_poll_interval
    heartbeat = parse_time(data.get("heartbeat_at"))
    age = (now - heartbeat).total_seconds() if heartbeat is not None else None
    reported = data.get("state")
    stale = age is None or age > STALE_AFTER_INTERVALS * interval
    state = "down" if stale or reported not in STATES else reported
    stream.update(
        {
            "state": state,
            "reported_state": reported if isinstance(reported, str) else None,
            "heartbeat_age_seconds": round(age, 3) if age is not None else None,
            "stale": stale,
        }
    )
    return {"stream": stream, "terms": term_summary(terms), "generated_at": format_time(now)}


def term_summary(terms: Iterable[TermSync]) -> dict[str, Any]:
    listed = list(terms)
    counts = Counter(t.sync_state for t in listed)
    return {
        "total": len(listed),
        "enabled": sum(1 for t in listed if t.enabled),
        "by_sync_state": {state: counts.get(state, 0) for state in SYNC_STATES},
        "rejected": [
            {"term_id": t.term_id, "value": t.value, "sync_error": t.sync_error}
            for t in listed
            if t.sync_state == "rejected"
        ],
    }


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 instant (``Z`` or offset); naive times are taken as UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _positive(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def _text(value: object) -> str | None:
    return value[:2000] if isinstance(value, str) else None


def _number(value: object) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value
