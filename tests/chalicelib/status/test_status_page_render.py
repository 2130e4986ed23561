"""The status page's HTML and SVG: escaped, self-contained, allowed by its own CSP."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta

from chalicelib.status.page.assets import content_security_policy
from chalicelib.status.page.charts import bar_chart, nice_ceiling
from chalicelib.status.page.render import render_page
from chalicelib.status.report import TermSync, build_report

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EVIL = '<script>alert("x")</script>'


def report(state: str = "connected", **extra: object) -> dict[str, object]:
    beat = (NOW - timedelta(seconds=2)).isoformat()
    data = {"state": state, "heartbeat_at": beat, "poll_interval": 10, "last_error": EVIL, **extra}
    terms = [TermSync("t1", EVIL, True, "rejected", EVIL, NOW)]
    return build_report(data, terms, NOW, 10.0)


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_every_value_is_escaped() -> None:
    html = render_page(report(host=EVIL), stage="<b>", auth="public", refresh=15)
    assert EVIL not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<b>" not in html
    assert html.count("<script>") == 1  # the page's own script only


def test_the_csp_allows_exactly_the_inlined_script_and_style() -> None:
    html = render_page(report(), stage="dev", auth="token", refresh=15)
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert script is not None and style is not None
    policy = content_security_policy()
    assert f"script-src {sha(script.group(1))}" in policy
    assert f"style-src {sha(style.group(1))}" in policy
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
    # Nothing is loaded from anywhere else: the page works offline.
    assert not re.search(r"(src|href)=\"https?://", html)


def test_the_state_badge_and_the_reason() -> None:
    html = render_page(report("backing-off"), stage="dev", auth="public", refresh=15)
    assert 'data-state="backing-off"' in html
    assert ">BACKING OFF<" in html
    assert "reconnecting to X" in html
    stale = build_report(
        {"state": "connected", "heartbeat_at": "2024-05-01T11:00:00Z"}, [], NOW, 10
    )
    html = render_page(stale, stage="dev", auth="public", refresh=15)
    assert 'data-state="down"' in html
    assert "<title>DOWN" in html


def test_the_token_shell_holds_a_form_and_no_data() -> None:
    html = render_page(None, stage="dev", auth="token", refresh=30)
    assert 'id="login"' in html and 'type="password"' in html
    assert 'data-auth="token"' in html and 'data-refresh="30"' in html
    assert "state-badge" not in html
    public = render_page(report(), stage="dev", auth="public", refresh=30)
    assert 'id="login"' not in public
    assert 'http-equiv="refresh" content="30"' in public  # without JavaScript too


def test_chart_bars_follow_the_data() -> None:
    points = [
        {"t": f"2024-05-01T11:{m:02d}:00Z", "received": None, "stored": None} for m in range(60)
    ]
    empty = bar_chart(points, title="t", label_every=10)
    assert 'class="bar"' not in empty
    assert "No data in this period yet" in empty
    points[10] = {**points[10], "received": 50.0, "stored": 40.0}
    points[11] = {**points[11], "received": 70.0, "stored": 45.0}
    drawn = bar_chart(points, title="t", label_every=10)
    assert drawn.count('class="bar"') == 2
    assert 'data-value="70"' in drawn
    assert drawn.count('class="stored"') == 2
    assert 'class="stored-line"' in drawn
    assert "11:10 UTC: 50 received/min" in drawn


def test_the_scale_is_a_round_number_above_the_top() -> None:
    assert [nice_ceiling(v) for v in (0, 0.5, 3, 70, 101, 4500, 5000)] == [
        1.0,
        1.0,
        5.0,
        100.0,
        200.0,
        5000.0,
        5000.0,
    ]


def test_terms_show_their_subscribers_and_which_are_hot() -> None:
    terms = [
        TermSync("t1", "#busy", True, "active", None, NOW, subscribers=12_345, hot=True),
        TermSync("t2", "#quiet", True, "active", None, NOW, subscribers=3),
    ]
    built = build_report({"state": "connected"}, terms, NOW, 10.0)
    assert built["terms"]["hot"] == 1
    assert [(t["subscribers"], t["hot"]) for t in built["terms"]["items"]] == [
        (12345, True),
        (3, False),
    ]
    html = render_page(built, stage="dev", auth="public", refresh=15)
    assert "2 active, 1 hot" in html
    assert '<td class="subscribers">12,345 <span class=hot>hot</span></td>' in html
    assert '<td class="subscribers">3</td>' in html
