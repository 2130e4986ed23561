"""The console in a real headless Chromium, against the local cloud and the fake X server.

As in ``tests/chalicelib/status/test_status_browser.py``: Debian's chromium
driven by Playwright (``executable_path``), the app served over HTTP by
Chalice's local server, and new terms checked by X's dry run against the fake
X server (which refuses what X refuses, e.g. an unknown operator). The term
test also runs the real streamer in process, so a term added in the page
becomes an X rule and the page shows it ``active``. Every test fails on a
script error or a CSP violation, and saves ``test-artifacts/console-*.png``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from chalice.config import Config
from chalice.local import LocalDevServer

from app import app
from chalicelib.api import runtime
from chalicelib.api.runtime import Runtime
from chalicelib.auth import mint_token, read_signing_key
from chalicelib.core.settings import Settings
from chalicelib.terms.normalize import term_id_for
from tests.chalicelib.api.conftest import LOCAL_AUTH
from tests.chalicelib.console.fakecognito import FakeHostedUi
from tests.chalicelib.status.test_status_browser import (
    ARTIFACTS,
    CHROMIUM_FLAGS,
    chromium,
    consuming,
)
from tests.streamer.test_streamer_live import Running, add_term, wait_until
from tests.support.keysets import put_keyset
from tools.fakex.testing import FakeX

API_REFUSAL = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")
SECRET = "AAAA-console-secret-bearer-WXYZ"
NEW_SECRET = "BBBB-console-replaced-bearer-9876"
USER_SECRET = "consumer-secret-never-shown-5555"


@dataclass
class Console:
    base: str
    settings: Settings
    fake_x: FakeX

    def token(self, user: str, *groups: str) -> str:
        key = read_signing_key(self.settings)
        return mint_token(self.settings, user, ttl_seconds=600, groups=groups, key=key)

    def call(self, method: str, path: str, token: str, body: Any = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.request(method, self.base + path, json=body, headers=headers, timeout=30)


@pytest.fixture
def console(full_stage: Settings, tmp_path: Path) -> Iterator[Console]:
    """The app on a free loopback port; X (for dry runs and the streamer) is the fake one."""
    with FakeX(rate=200, keepalive=0.2, seed=11) as fake_x:
        settings = full_stage.model_copy(
            update={"x_api_url": fake_x.url, "local_dir": str(tmp_path), "poll_interval": 0.25}
        )
        put_keyset(settings, "main", fake_x.bearer_token)
        runtime.install(Runtime.build(settings, LOCAL_AUTH))  # dry runs reach the fake X
        server = LocalDevServer(app, Config.create(), "127.0.0.1", 0)
        thread = threading.Thread(target=server.server.serve_forever, daemon=True)
        thread.start()
        try:
            host, port = server.server.server_address[:2]
            yield Console(f"http://{host}:{port}", settings, fake_x)
        finally:
            server.shutdown()
            thread.join(10)
            runtime.install(None)


@contextmanager
def browser_page(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A fresh Chromium page that records every script error and CSP violation."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.set_default_timeout(30_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            yield page
        finally:
            browser.close()
    # The API's 4xx answers the tests provoke (422, 403) are logged as failed loads.
    assert [e for e in errors if not API_REFUSAL.match(e)] == []


def sign_in(page: Any, console: Console, token: str) -> None:
    page.goto(f"{console.base}/console")
    page.wait_for_selector("#login:not([hidden])")
    assert page.locator("#nav").is_hidden()  # nothing before the token
    page.fill("#token", token)
    page.click("#login-form button")
    page.wait_for_selector("#nav:not([hidden])")


def row(page: Any, table: str, text: str) -> Any:
    return page.locator(f"#{table} tbody tr", has_text=text)


def test_an_admin_adds_a_term_and_watches_it_become_active(console: Console) -> None:
    add_term(console.settings, term_id_for("python"), "python")
    running = Running(console.settings, metrics_every=0.5)
    with running, consuming(console.settings), browser_page() as page:
        wait_until(lambda: running.streamer.state == "connected", what="the stream")
        sign_in(page, console, console.token("ops", "admin"))
        page.wait_for_selector("#view-terms:not([hidden])")  # an admin starts on Terms
        assert page.locator("#who-name").inner_text() == "ops (admin)"

        page.fill("#term-value", "golang")
        page.click("#term-form button")
        page.wait_for_selector("#notice:has-text('Added “golang”')")
        assert "X's dry run accepted it" in page.locator("#notice").inner_text()
        golang = row(page, "terms-table", "golang")
        golang.locator("td[data-label='Sync with X']", has_text="active").wait_for()
        assert golang.locator("td[data-label='Enabled']").inner_text() == "yes"
        assert golang.locator("td[data-label='Hot or cold']").inner_text() == "cold"
        python = row(page, "terms-table", "python")
        python.locator("td.rate:not(:text-is('—'))").wait_for(timeout=45_000)
        assert float(python.locator("td.rate").inner_text().replace(",", "")) > 0
        assert "tweets a minute received" in page.locator("#terms-rate").inner_text()
        page.screenshot(path=str(ARTIFACTS / "console-terms.png"), full_page=True)

        page.once("dialog", lambda dialog: dialog.accept())
        golang.get_by_role("button", name="Disable golang").click()
        golang.locator("td[data-label='Enabled']", has_text="no").wait_for()

        page.once("dialog", lambda dialog: dialog.dismiss())  # asked, and said no
        golang.get_by_role("button", name="Delete golang").click()
        assert golang.count() == 1
        page.once("dialog", lambda dialog: dialog.accept())
        golang.get_by_role("button", name="Delete golang").click()
        page.wait_for_selector("#notice:has-text('Deleted “golang”')")
        golang.wait_for(state="detached")
    assert running.error is None


def test_a_rejected_rule_shows_x_message(console: Console) -> None:
    with browser_page() as page:
        sign_in(page, console, console.token("ops", "admin"))
        page.fill("#term-value", "cats nosuchop:dogs")
        page.click("#term-form button")
        problem = page.wait_for_selector("#problem:has-text('X refused the rule')")
        assert problem is not None
        text = problem.inner_text()
        assert "Reference to invalid operator 'nosuchop:dogs'" in text, text
        assert row(page, "terms-table", "nosuchop").count() == 0
        page.screenshot(path=str(ARTIFACTS / "console-rejected.png"), full_page=True)


def secrets_anywhere(page: Any) -> list[str]:
    """Each secret found in the page's HTML, its text or any field's current value."""
    values = page.evaluate("Array.from(document.querySelectorAll('input')).map(i => i.value)")
    seen = page.content() + page.locator("body").inner_text() + "\n".join(values)
    return [s for s in (SECRET, NEW_SECRET, USER_SECRET) if s in seen]


def test_an_admin_adds_a_key_set_and_sees_only_its_hint(console: Console) -> None:
    with browser_page() as page:
        sign_in(page, console, console.token("ops", "admin"))
        page.click("#nav a[href='#keysets']")
        row(page, "keysets-table", "main").wait_for()

        page.fill("#ks-name", "backup")
        page.fill("#ks-description", "the spare <b>keys</b>")
        page.fill("#ks-bearer_token", SECRET)
        page.click("#keyset-form summary")
        page.fill("#ks-consumer_secret", USER_SECRET)
        page.click("#keyset-form button[value=add]")
        page.wait_for_selector("#notice:has-text('Stored the key set backup')")
        backup = row(page, "keysets-table", "backup")
        assert backup.locator("td[data-label='Hint']").inner_text() == "****WXYZ"
        assert backup.locator("td[data-label='Description']").inner_text() == (
            "the spare <b>keys</b>"  # shown as text
        )
        assert secrets_anywhere(page) == []

        page.fill("#ks-name", "backup")
        page.fill("#ks-bearer_token", NEW_SECRET)
        page.click("#keyset-form button[value=replace]")
        page.wait_for_selector("#notice:has-text('Replaced the secrets of backup')")
        backup.locator("td[data-label='Hint']", has_text="****9876").wait_for()
        assert secrets_anywhere(page) == []

        backup.get_by_role("button", name="Make backup the default").click()
        backup.locator("td[data-label='Default']", has_text="default").wait_for()
        assert "uses backup by default (stored)" in page.locator("#keysets-default").inner_text()
        page.screenshot(path=str(ARTIFACTS / "console-keysets.png"), full_page=True)

        main = row(page, "keysets-table", "main")
        page.once("dialog", lambda dialog: dialog.accept())
        main.get_by_role("button", name="Delete main").click()
        page.wait_for_selector("#notice:has-text('Deleted the key set main')")
        main.wait_for(state="detached")
        assert secrets_anywhere(page) == []


def test_an_admin_manages_a_users_subscriptions_and_reads_their_feed(console: Console) -> None:
    add_term(console.settings, term_id_for("python"), "python")
    admin = console.token("ops", "admin")
    for n in range(25):
        made = console.call("POST", "/users/alice/feed", admin, {"content": f"item {n}"})
        assert made.status_code == 201, made.text
    with browser_page() as page:
        sign_in(page, console, admin)
        page.click("#nav a[href='#users']")
        page.fill("#user-id", "alice")
        page.click("#user-form button")
        page.wait_for_selector("#user-subs-empty:not([hidden])")
        items = page.locator("#user-feed-items li")
        items.nth(19).wait_for()
        assert items.count() == 20
        assert items.first.locator(".text").inner_text() == "item 24"  # newest first
        page.click("#user-feed-older")
        items.nth(24).wait_for()
        assert items.last.locator(".text").inner_text() == "item 0"
        assert page.locator("#user-feed-older").is_hidden()  # the last page

        page.select_option("#user-sub-term", label="python")
        page.click("#user-sub-form button")
        subscribed = row(page, "user-subs-table", "python")
        subscribed.wait_for()
        follows = console.call("GET", "/users/alice/subscriptions", admin).json()["items"]
        assert [s["value"] for s in follows] == ["python"]
        page.screenshot(path=str(ARTIFACTS / "console-users.png"), full_page=True)

        page.once("dialog", lambda dialog: dialog.accept())
        subscribed.get_by_role("button", name="Remove python").click()
        page.wait_for_selector("#user-subs-empty:not([hidden])")
        assert console.call("GET", "/users/alice/subscriptions", admin).json()["items"] == []


def test_a_user_sees_only_their_own_pages_and_admin_calls_answer_403(console: Console) -> None:
    add_term(console.settings, term_id_for("python"), "python")
    admin, alice = console.token("ops", "admin"), console.token("alice")
    evil = '<img src=x onerror="document.title=1"> hello'
    assert console.call("POST", "/users/alice/feed", admin, {"content": evil}).status_code == 201
    with browser_page(width=390, height=844) as page:  # a phone's width
        sign_in(page, console, alice)
        page.wait_for_selector("#view-feed:not([hidden])")  # a user starts on their feed
        links = page.locator("#nav a").all_inner_texts()
        assert links == ["My feed", "My subscriptions"]
        for gone in ("#view-terms", "#view-keysets", "#view-users", "[data-admin]"):
            assert page.locator(gone).count() == 0, gone
        page.locator("#my-feed-items li").first.wait_for()
        assert page.locator("#my-feed-items .text").first.inner_text() == evil  # as text
        assert page.locator("#my-feed-items img").count() == 0
        page.screenshot(path=str(ARTIFACTS / "console-phone-feed.png"), full_page=True)

        page.goto(f"{console.base}/console#terms")  # an admin page, asked for by name
        page.wait_for_selector("#view-feed:not([hidden])")
        assert page.locator("#view-terms").count() == 0

        page.click("#nav a[href='#subscriptions']")
        page.fill("#my-sub-value", "python")
        page.click("#my-sub-form button")
        mine = row(page, "my-subs-table", "python")
        mine.wait_for()
        page.screenshot(path=str(ARTIFACTS / "console-phone-subscriptions.png"), full_page=True)
        page.once("dialog", lambda dialog: dialog.accept())
        mine.get_by_role("button", name="Remove python").click()
        page.wait_for_selector("#my-subs-empty:not([hidden])")

        # The same token, calling an admin route directly, from the page and from outside.
        status = page.evaluate(
            "t => fetch('/terms', {headers: {Authorization: 'Bearer ' + t}}).then(r => r.status)",
            alice,
        )
        assert status == 403
        refused = console.call("GET", "/terms", alice)
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
        assert console.call("GET", "/keysets", alice).status_code == 403

        page.click("#sign-out")
        page.wait_for_selector("#login:not([hidden])")
        assert page.evaluate("sessionStorage.length") == 0


def test_the_hosted_sign_in_trades_a_code_for_a_token(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeHostedUi("console-client", console.token("ops", "admin")) as hosted:
        # The page's sign-in is Cognito's; the API under test still checks local tokens.
        monkeypatch.setenv("STREAMFEED_COGNITO_USER_POOL_ID", "us-east-1_Console")
        monkeypatch.setenv("STREAMFEED_COGNITO_CLIENT_IDS", "console-client")
        monkeypatch.setenv("STREAMFEED_COGNITO_DOMAIN", hosted.url)
        with browser_page() as page:
            page.goto(f"{console.base}/console")
            page.wait_for_selector("#login:not([hidden])")
            page.click("#hosted-sign-in")
            page.wait_for_selector("#nav:not([hidden])")
            assert page.locator("#who-name").inner_text() == "ops (admin)"
            assert page.url == f"{console.base}/console"  # the code left the address bar
            assert len(hosted.exchanged) == 1 and hosted.codes == {}
            assert page.evaluate("sessionStorage.getItem('streamfeed.console.pkce')") is None
