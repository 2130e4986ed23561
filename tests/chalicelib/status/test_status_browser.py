"""The status page in a real headless Chromium, against the local cloud with a live stream.

The streamer runs in process against the fake X server (as in
``tests/streamer/test_streamer_live.py``) and publishes its metrics to moto
every half second; the local consumer runner (``streamfeed consume``'s) stores
what it ships and puts the consumer's metrics to moto every half second too;
the API is served over HTTP by Chalice's local server. The test logs in with an
admin token, reads the badge, the stored and lag tiles, the chart and the
terms, saves a screenshot to ``test-artifacts/``, then stops the streamer and
waits for the page to refresh itself to DOWN.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from chalice.config import Config
from chalice.local import LocalDevServer

from app import app, consume_tweets
from chalicelib.api import runtime
from chalicelib.api.runtime import Runtime
from chalicelib.auth import mint_token, read_signing_key
from chalicelib.consumer import runtime as consumer_runtime
from chalicelib.consumer.service import Consumer
from chalicelib.core.settings import Settings
from chalicelib.status.reader import current_status
from tests.chalicelib.api.conftest import LOCAL_AUTH, no_x
from tests.conftest import PROJECT_ROOT
from tests.streamer.test_streamer_live import Running, add_term, wait_until
from tests.support.keysets import put_keyset
from tools.eventsource.runner import Runner
from tools.eventsource.shards import Pacing
from tools.fakex.testing import FakeX

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str:
    """Debian's chromium; missing, it skips a developer's run and fails CI's."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = (
        "Debian's chromium is missing: `make test` installs it as root (apt-get install chromium)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def served(full_stage: Settings, tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """The app on a free loopback port, on a stage whose page refreshes every 5 s."""
    settings = full_stage.model_copy(update={"status_page_refresh": 5})
    runtime.install(Runtime.build(settings, LOCAL_AUTH, x_transport=no_x))
    server = LocalDevServer(app, Config.create(), "127.0.0.1", 0)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server.server_address[:2]
        yield f"http://{host}:{port}", settings
    finally:
        server.shutdown()
        thread.join(10)
        runtime.install(None)


@contextmanager
def consuming(settings: Settings) -> Iterator[Runner]:
    """The local consumer runner in a thread, putting its metrics every half second."""
    consumer_runtime.install(Consumer.from_settings(settings))
    runner = Runner(settings, consume_tweets, pacing=Pacing(poll_interval=0.2), metrics_every=0.5)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            runner.run()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name="consumer", daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        runner.stop()
        thread.join(60)
        consumer_runtime.install(None)
    assert not thread.is_alive() and errors == []


def consumer_numbers(settings: Settings) -> tuple[Any, Any]:
    """Stored tweets (last hour) and consumer lag, as ``GET /status`` reports them."""
    report = current_status(settings)
    return report["throughput"]["stored"]["last_hour"], report["lag"]["consumer_lag_ms"]


def test_the_page_shows_a_live_stream_and_refreshes_itself(
    served: tuple[str, Settings], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    base, settings = served
    token = mint_token(settings, "ops", ttl_seconds=600, groups=("admin",),
                       key=read_signing_key(settings))  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    with FakeX(rate=200, keepalive=0.2, seed=11) as fake_x:
        live = settings.model_copy(
            update={"x_api_url": fake_x.url, "local_dir": str(tmp_path), "poll_interval": 0.25}
        )
        put_keyset(live, "main", fake_x.bearer_token)
        add_term(live, "t1", "python")
        add_term(live, "t2", "(unbalanced OR")  # X rejects it: an error to show
        running = Running(live, metrics_every=0.5)
        with running, consuming(live), sync_playwright() as playwright:
            counters = running.pipeline.counters
            wait_until(lambda: counters.received > 50, what="tweets")
            wait_until(lambda: running.streamer.stream and running.streamer.state == "connected")
            wait_until(
                lambda: all(n for n in consumer_numbers(live)), timeout=60, what="consumer metrics"
            )
            # Playwright gives every launch a fresh, empty profile (its own --user-data-dir).
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            page.goto(f"{base}/status/page")
            page.wait_for_selector("#login:not([hidden])")
            assert page.locator("#state-badge").count() == 0  # nothing before the token
            page.fill("#login input", token)
            page.click("#login button")

            badge = page.wait_for_selector('#state-badge[data-state="connected"]')
            assert badge is not None and badge.inner_text() == "CONNECTED"
            assert page.locator("#chart-hour rect.bar").count() >= 1
            assert page.locator("#chart-day rect.bar").count() >= 1
            assert page.locator("#chart-hour circle.stored").count() >= 1  # the consumer's
            stored = page.locator('[data-tile="Stored, last hour"] .value').inner_text()
            assert int(stored.replace(",", "")) > 0, stored
            lag = page.locator('[data-tile="Consumer lag"] .value').inner_text()
            assert lag != "—", lag
            rows = page.locator("#terms tbody tr").all_inner_texts()
            assert any("python" in r and "active" in r for r in rows), rows
            assert any("(unbalanced OR" in r and "rejected" in r for r in rows), rows
            assert "X rejected the rule" in page.locator("#errors").inner_text()
            page.screenshot(path=str(ARTIFACTS / "status-page.png"), full_page=True)

            running.stop_event.set()  # SIGTERM: the streamer writes "down" and leaves
            running.thread.join(60)
            page.wait_for_selector('#state-badge[data-state="down"]', timeout=20_000)
            assert page.locator("#login").is_hidden()  # refreshed with the kept token
            page.screenshot(path=str(ARTIFACTS / "status-page-down.png"), full_page=True)
            browser.close()
    assert running.error is None
    assert errors == []  # no script error, no CSP violation
