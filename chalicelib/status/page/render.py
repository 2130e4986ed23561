"""The status page's HTML, rendered from the same report ``GET /status`` returns.

Laid out for a person who has five seconds: the state as a big coloured
badge with one sentence of why, then (when several key sets stream) a row
per key set's streamer, then the few numbers that say whether tweets flow
(rate, stored, lag, dead letters, errors), then the charts, the terms and the
latest errors. Every value from the report is escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any, Final, Literal

from chalicelib.core.times import parse_iso
from chalicelib.status.page.assets import script, stylesheet
from chalicelib.status.page.charts import bar_chart

AuthMode = Literal["public", "token"]
LAG_WARN_MS: Final = 60_000
BADGE_TEXT: Final = {
    "connected": "CONNECTED",
    "waiting-for-terms": "WAITING FOR TERMS",
    "backing-off": "BACKING OFF",
    "standby": "STANDBY",
    "down": "DOWN",
}


def render_page(
    report: Mapping[str, Any] | None, *, stage: str, auth: AuthMode, refresh: int
) -> str:
    """The whole document; ``report=None`` renders the token form with an empty panel."""
    panel = render_panel(report) if report is not None else _waiting()
    title = "streamfeed status"
    if report is not None:
        title = f"{BADGE_TEXT.get(report['stream']['state'], 'DOWN')} · {title}"
    noscript = (
        f'<noscript><meta http-equiv="refresh" content="{refresh}"></noscript>'
        if auth == "public"
        else ""
    )
    return (
        "<!doctype html>"
        f'<html lang="en" data-auth="{auth}" data-refresh="{refresh}">'
        '<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        '<link rel="icon" href="data:,">'  # no favicon request
        f"<title>{escape(title)}</title>{noscript}"
        f"<style>{stylesheet()}</style></head>"
        "<body><header>"
        f'<h1>streamfeed status <span class="stage">{escape(stage)}</span></h1>'
        f'<span id="refresh-note">refreshes every {refresh} s</span>'
        "</header><main>"
        f"{_login() if auth == 'token' else ''}"
        f"{panel}"
        "</main>"
        f"<script>{script()}</script>"
        "</body></html>"
    )


def render_panel(report: Mapping[str, Any]) -> str:
    """Everything that changes between refreshes (the script swaps exactly this)."""
    stream = report["stream"]
    return (
        '<section id="panel">'
        f"{_problems(report.get('problems') or [])}"
        f"{_hero(stream, several=len(report.get('streams') or []) > 1)}"
        f"{_streams(report.get('streams') or [])}"
        f"{_tiles(report)}"
        f"{_charts(report.get('series'))}"
        f"{_terms(report['terms'])}"
        f"{_errors(report.get('recent_errors') or [])}"
        f"{_details(stream, report)}"
        "</section>"
    )


def _login() -> str:
    return (
        '<section id="login" hidden><h2>This page needs an admin token</h2>'
        "<p>Paste an API token of the admin group (locally: "
        "<code>streamfeed token --user you --admin</code>). It stays in this browser tab "
        "and is sent only to this API, as an <code>Authorization</code> header.</p>"
        '<form><input type="password" name="token" autocomplete="off" '
        'aria-label="Admin token" placeholder="eyJ…">'
        '<button type="submit">Show status</button></form>'
        '<p class="message" role="alert"></p></section>'
        "<noscript><p>This page needs JavaScript to send a token. Without it, read "
        "<code>GET /status</code> with <code>Authorization: Bearer …</code>.</p></noscript>"
    )


def _waiting() -> str:
    return '<section id="panel"><p class="none">Loading the status…</p></section>'


def _problems(problems: list[str]) -> str:
    if not problems:
        return ""
    items = "".join(f"<li>{escape(p)}</li>" for p in problems)
    return f'<div class="problems"><strong>Some numbers are missing:</strong><ul>{items}</ul></div>'


def _hero(stream: Mapping[str, Any], several: bool = False) -> str:
    """The big badge: the main stream (the default key set's, see ``build_report``)."""
    state = str(stream["state"])
    since = _since(stream)
    keyset = ""
    if several and stream.get("key_set"):
        keyset = f'<div class="keyset">key set {escape(str(stream["key_set"]))}</div>'
    return (
        '<div class="hero">'
        f'<span class="badge {escape(state)}" id="state-badge" data-state="{escape(state)}">'
        f"{BADGE_TEXT.get(state, escape(state.upper()))}</span>"
        f"<div>{keyset}"
        f'<div class="reason">{escape(str(stream.get("state_reason") or ""))}</div>'
        f'<div class="since">{escape(since)}</div></div>'
        "</div>"
    )


def _since(stream: Mapping[str, Any]) -> str:
    if stream.get("state") == "connected" and stream.get("connected_since"):
        return f"connected since {_when(stream['connected_since'])}"
    if stream.get("heartbeat_age_seconds") is not None:
        return f"last heartbeat {_duration(stream['heartbeat_age_seconds'])} ago"
    return ""


def _streams(streams: list[Mapping[str, Any]]) -> str:
    """One row per key set's streamer; only when there are several (else the badge says it)."""
    if len(streams) < 2:
        return ""
    rows = "".join(
        f'<tr data-key-set="{escape(str(s.get("key_set") or ""))}">'
        f"<td>{escape(str(s.get('key_set') or '(unnamed)'))}</td>"
        f'<td><span class="state {escape(str(s["state"]))}">'
        f"{escape(BADGE_TEXT.get(str(s['state']), str(s['state']).upper()))}</span></td>"
        f"<td>{escape(str(s.get('state_reason') or ''))}</td>"
        f"<td>{escape(_since(s))}</td>"
        f"<td>{_number(s.get('rate_per_min'))}</td>"
        f"<td>{_number(s.get('active_terms'))}</td></tr>"
        for s in streams
    )
    return (
        f"<h2>Streams ({len(streams)} key sets)</h2>"
        '<table id="streams"><thead><tr><th>Key set</th><th>State</th><th>Why</th>'
        "<th>Heartbeat</th><th>Tweets / minute</th><th>Active terms</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _tiles(report: Mapping[str, Any]) -> str:
    stream = report["stream"]
    flow = report.get("throughput") or {}
    errors = report.get("errors") or {}
    lag = report.get("lag") or {}
    dlq = report.get("dead_letter") or {}
    rate = (flow.get("received") or {}).get("per_minute")
    if rate is None:
        rate = stream.get("rate_per_min")
    stored_hour = (flow.get("stored") or {}).get("last_hour")
    lag_ms = _max(lag.get("consumer_lag_ms"), lag.get("iterator_age_ms"))
    error_total = _sum(errors.get(k) for k in ("stream_errors", "bad_lines", "quarantined"))
    dead = dlq.get("messages")
    tiles = [
        ("Tweets / minute", _number(rate), "received, last 5 min", ""),
        ("Stored, last hour", _number(stored_hour), _stored_hint(report), ""),
        (
            "Consumer lag",
            _duration(lag_ms / 1000) if lag_ms is not None else "—",
            "no consumer data" if lag_ms is None else "oldest record waiting",
            "bad" if lag_ms is not None and lag_ms > LAG_WARN_MS else "",
        ),
        ("Dead-letter queue", _number(dead), "records waiting", "bad" if dead else ""),
        ("Errors, last hour", _number(error_total), "stream, bad lines, quarantined",
         "warn" if error_total else ""),
        ("Active terms", _number(stream.get("active_terms")), "terms X applies as rules", ""),
    ]  # fmt: skip
    cells = "".join(
        f'<div class="tile {css}" data-tile="{escape(label)}"><div class="label">{escape(label)}'
        f'</div><div class="value">{escape(value)}</div><div class="hint">{escape(hint)}</div>'
        "</div>"
        for label, value, hint, css in tiles
    )
    return f'<div class="tiles">{cells}</div>'


def _stored_hint(report: Mapping[str, Any]) -> str:
    total = report.get("stored_total")
    return f"{_number(total)} stored in all" if total is not None else "tweets written"


def _charts(series: Mapping[str, Any] | None) -> str:
    if not series:
        return "<h2>Tweets per minute</h2><p class='none'>CloudWatch data is unavailable.</p>"
    hour = bar_chart(
        series["last_hour"]["points"], title="Tweets per minute, last hour", label_every=10
    )
    day = bar_chart(
        series["last_day"]["points"],
        title="Tweets per minute, last day (15-minute averages)",
        label_every=16,
    )
    return (
        "<h2>Tweets per minute</h2>"
        '<div class="charts">'
        f'<figure id="chart-hour"><figcaption>Last hour (UTC)</figcaption>{hour}</figure>'
        f'<figure id="chart-day"><figcaption>Last day (UTC)</figcaption>{day}</figure>'
        "</div>"
        '<p class="legend"><span class="sw received"></span>received'
        '<span class="sw stored"></span>stored</p>'
    )


def _terms(terms: Mapping[str, Any]) -> str:
    items = terms.get("items") or []
    counts = ", ".join(f"{n} {escape(s)}" for s, n in terms["by_sync_state"].items() if n)
    if terms.get("hot"):
        counts += f"{', ' if counts else ''}{terms['hot']} hot"
    head = f"<h2>Terms ({terms['total']}{': ' + counts if counts else ''})</h2>"
    if not items:
        return head + '<p class="none">No terms yet: add one with <code>POST /terms</code>.</p>'
    rows = "".join(
        f'<tr><td class="term">{escape(t["value"])}</td>'
        f"<td>{'yes' if t['enabled'] else 'no'}</td>"
        f'<td><span class="sync {escape(t["sync_state"])}">{escape(t["sync_state"])}</span></td>'
        f'<td class="subscribers">{int(t.get("subscribers", 0)):,}'
        f"{' <span class=hot>hot</span>' if t.get('hot') else ''}</td>"
        f"<td>{escape(t['sync_error'] or '')}</td></tr>"
        for t in items
    )
    return (
        f'{head}<table id="terms"><thead><tr><th>Term</th><th>Enabled</th><th>Sync with X</th>'
        f"<th>Subscribers</th><th>Detail</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _errors(errors: list[Mapping[str, Any]]) -> str:
    if not errors:
        return '<h2>Last errors</h2><p class="none">No errors reported.</p>'
    rows = "".join(
        f'<li><span class="when">{escape(_when(e.get("at")) if e.get("at") else "now")}</span>'
        f'<span class="source">{escape(str(e["source"]))}</span>{escape(str(e["message"]))}</li>'
        for e in errors
    )
    return f'<h2>Last errors</h2><ul class="errors" id="errors">{rows}</ul>'


def _details(stream: Mapping[str, Any], report: Mapping[str, Any]) -> str:
    fields = [
        ("key set", stream.get("key_set")),
        ("lease holder", stream.get("lease_holder")),
        ("host", stream.get("host")),
        ("version", stream.get("version")),
        ("reported state", stream.get("reported_state")),
        ("heartbeat", _when(stream.get("heartbeat_at"))),
        ("received since start", _number(stream.get("received"))),
        ("shipped since start", _number(stream.get("shipped"))),
        ("spool", _number(stream.get("spool_depth"))),
        ("generated", _when(report.get("generated_at"))),
    ]
    shown = "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in fields if v not in (None, "")
    )
    return f'<dl class="details">{shown}</dl>'


def _number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _duration(seconds: object) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _when(value: object) -> str:
    parsed = parse_iso(value)
    return parsed.strftime("%Y-%m-%d %H:%M:%S UTC") if parsed else ""


def _max(*values: object) -> float | None:
    present = [float(v) for v in values if isinstance(v, int | float)]
    return max(present) if present else None


def _sum(values: Any) -> int | None:
    present = [v for v in values if isinstance(v, int | float)]
    return int(sum(present)) if present else None
