"""The stream status report: pure functions over what was read.

Each streamer writes ``ControlRecord(pk="streamer", sk="status#<key set>")``
every poll interval: one record per key set, because streamers on different
key sets run side by side (before, all wrote ``sk="status"`` and overwrote
each other). A status reader must not trust a state that has stopped being
refreshed: a heartbeat older than three poll intervals means the streamer is
gone, whatever its last record says. The JSON route and the HTML status page
both build on :func:`build_report`, so they can never disagree.

The report lists every key set's stream in ``streams``; ``stream`` stays, for
readers written before there were several: it is the default key set's
stream, else the one with the newest heartbeat.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from chalicelib.core.times import iso_text, parse_iso
from chalicelib.status.metrics import MetricsView, summarise
from chalicelib.status.queue import QueueDepth

STATUS_PK: Final = "streamer"
#: The record every streamer shared before there was one per key set (still read).
STATUS_SK: Final = "status"
#: ``streamer.heartbeat`` writes the same keys (the image holds only ``chalicelib/core``).
STATUS_SK_PREFIX: Final = "status#"
STATES: Final = ("connected", "waiting-for-terms", "backing-off", "standby", "down")
#: Sync states always counted (others, such as ``disabled``, are counted when seen).
SYNC_STATES: Final = ("pending", "active", "rejected")
#: Fields the streamer reports (null when absent or of the wrong type).
TEXT_FIELDS: Final = (
    "key_set",
    "heartbeat_at",
    "connected_since",
    "last_tweet_at",
    "last_error",
    "last_error_at",
    "lease_holder",
    "host",
    "version",
)
NUMBER_FIELDS: Final = (
    "received",
    "shipped",
    "rate_per_min",
    "active_terms",
    "poll_interval",
    "bad_lines",
    "spool_depth",
    "reconnects",
)
FIELDS: Final = TEXT_FIELDS + NUMBER_FIELDS
STALE_AFTER_INTERVALS: Final = 3
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
#: At most this many terms are listed one by one (the terms table holds at most 1,000).
MAX_LISTED_TERMS: Final = 1000


@dataclass(frozen=True, slots=True)
class TermSync:
    """What the report needs to know about one term."""

    term_id: str
    value: str
    enabled: bool
    sync_state: str
    sync_error: str | None
    updated_at: datetime | None = None
    subscribers: int = 0
    hot: bool = False


@dataclass(frozen=True, slots=True)
class StreamVerdict:
    """The state a reader may believe, and why."""

    state: str
    reason: str
    age_seconds: float | None
    stale: bool


def judge_stream(
    record: Mapping[str, Any] | None, now: datetime, default_poll_interval: float
) -> StreamVerdict:
    """Map the streamer's record to a trustworthy state.

    A missing record, a missing or unparsable heartbeat, a heartbeat older than
    three poll intervals, or a state outside :data:`STATES` all read as ``down``:
    a status page that shows a dead streamer as connected is worse than none.
    """
    data = record or {}
    interval = _positive(data.get("poll_interval")) or default_poll_interval
    limit = STALE_AFTER_INTERVALS * interval
    reported = data.get("state")
    if record is None:
        return StreamVerdict("down", "the streamer has never reported", None, True)
    heartbeat = parse_iso(data.get("heartbeat_at"))
    if heartbeat is None:
        return StreamVerdict("down", "the streamer's record has no heartbeat", None, True)
    age = (now - heartbeat).total_seconds()
    if age > limit:
        reason = f"no heartbeat for {age:.0f} s (limit {limit:g} s: 3 poll intervals)"
        return StreamVerdict("down", reason, age, True)
    if reported not in STATES:
        return StreamVerdict(
            "down", f"the streamer reported an unknown state {reported!r}", age, False
        )
    return StreamVerdict(str(reported), REASONS[str(reported)], age, False)


REASONS: Final = {
    "connected": "connected to X and receiving",
    "waiting-for-terms": "no enabled terms: not connected to X",
    "backing-off": "reconnecting to X after an error",
    "standby": "another streamer holds the lease",
    "down": "the streamer reported itself down",
}


def build_report(
    records: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None,
    terms: Iterable[TermSync],
    now: datetime,
    default_poll_interval: float,
    *,
    default_key_set: str | None = None,
    metrics: MetricsView | None = None,
    dead_letter: QueueDepth | None = None,
    stored_items: int | None = None,
    problems: Sequence[str] = (),
) -> dict[str, Any]:
    """The status JSON: a trustworthy ``state``, throughput, lag, DLQ, terms, errors.

    ``records`` are the key sets' status records (one record, or None, is
    taken as the only one). ``streams`` lists them by key set; ``stream`` is
    ``default_key_set``'s, else the freshest (see the module's docstring).
    """
    if records is None or isinstance(records, Mapping):
        records = [] if records is None else [records]
    streams = sorted(
        (stream_entry(r, now, default_poll_interval) for r in records),
        key=lambda e: (e["key_set"] is None, e["key_set"] or ""),
    )
    stream = main_stream(streams, default_key_set) or stream_entry(None, now, default_poll_interval)
    listed = list(terms)
    summary = summarise(metrics) if metrics is not None else None
    return {
        "stream": stream,
        "streams": streams,
        "terms": term_summary(listed),
        "throughput": summary.throughput if summary else None,
        "stored_total": stored_items,
        "errors": summary.errors if summary else None,
        "lag": summary.lag if summary else None,
        "series": summary.series if summary else None,
        "dead_letter": dead_letter.as_dict() if dead_letter is not None else None,
        "last_error": last_error(stream),
        "recent_errors": recent_errors(streams or [stream], listed, dead_letter),
        "problems": list(problems),
        "generated_at": iso_text(now, timespec="milliseconds"),
    }


def stream_entry(
    record: Mapping[str, Any] | None, now: datetime, default_poll_interval: float
) -> dict[str, Any]:
    """One key set's stream as the report shows it, with the state a reader may believe."""
    data = dict(record or {})
    stream: dict[str, Any] = {name: _text(data.get(name)) for name in TEXT_FIELDS}
    stream.update({name: _number(data.get(name)) for name in NUMBER_FIELDS})
    verdict = judge_stream(record, now, default_poll_interval)
    reported = data.get("state")
    stream.update(
        {
            "state": verdict.state,
            "state_reason": verdict.reason,
            "reported_state": reported if isinstance(reported, str) else None,
            "heartbeat_age_seconds": (
                round(verdict.age_seconds, 3) if verdict.age_seconds is not None else None
            ),
            "stale": verdict.stale,
        }
    )
    return stream


def main_stream(
    streams: Sequence[Mapping[str, Any]], default_key_set: str | None
) -> dict[str, Any] | None:
    """The stream ``stream`` shows: the default key set's, else the newest heartbeat's.

    Works on report entries and on raw status records alike.
    """
    for entry in streams:
        if default_key_set is not None and entry.get("key_set") == default_key_set:
            return dict(entry)
    if not streams:
        return None
    newest = max(streams, key=lambda e: parse_iso(e.get("heartbeat_at")) or _EPOCH)
    return dict(newest)


def term_summary(terms: Iterable[TermSync]) -> dict[str, Any]:
    listed = list(terms)
    counts = Counter(t.sync_state for t in listed)
    by_state = {state: counts.get(state, 0) for state in SYNC_STATES}
    by_state.update(counts)
    return {
        "total": len(listed),
        "enabled": sum(1 for t in listed if t.enabled),
        "hot": sum(1 for t in listed if t.hot),
        "by_sync_state": by_state,
        "rejected": [
            {"term_id": t.term_id, "value": t.value, "sync_error": t.sync_error}
            for t in listed
            if t.sync_state == "rejected"
        ],
        "items": [
            {
                "term_id": t.term_id,
                "value": t.value,
                "enabled": t.enabled,
                "sync_state": t.sync_state,
                "sync_error": t.sync_error,
                "subscribers": t.subscribers,
                "hot": t.hot,
            }
            for t in listed[:MAX_LISTED_TERMS]
        ],
    }


def last_error(stream: Mapping[str, Any], named: bool = False) -> dict[str, Any] | None:
    """The streamer's most recent error, with its time (null when it reported none).

    ``named``: the source names the key set, for when several streamers report.
    """
    message = stream.get("last_error")
    if not message:
        return None
    source = "streamer"
    if named and stream.get("key_set"):
        source = f"streamer {stream['key_set']}"
    return {"source": source, "message": message, "at": stream.get("last_error_at")}


def recent_errors(
    streams: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    terms: Sequence[TermSync],
    dead_letter: QueueDepth | None,
) -> list[dict[str, Any]]:
    """Everything an operator should look at now, newest first (untimed ones last)."""
    if isinstance(streams, Mapping):
        streams = [streams]
    found: list[dict[str, Any]] = []
    for stream in streams:
        streamer = last_error(stream, named=len(streams) > 1)
        if streamer is not None:
            found.append(streamer)
    for term in terms:
        if term.sync_state == "rejected":
            found.append(
                {
                    "source": f"term {term.value}",
                    "message": f"X rejected the rule: {term.sync_error or 'no reason given'}",
                    "at": iso_text(term.updated_at, timespec="milliseconds")
                    if term.updated_at
                    else None,
                }
            )
    if dead_letter is not None and dead_letter.messages:
        found.append(
            {
                "source": "dead-letter queue",
                "message": f"{dead_letter.messages} record(s) the consumer could not process",
                "at": None,
            }
        )
    found.sort(key=lambda e: e["at"] or "", reverse=True)
    return found[:20]


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
