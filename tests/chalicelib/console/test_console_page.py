"""The console's shell: no data, no secret, its own CSP, and the sign-in it offers."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator

import pytest
from chalice.test import Client

from app import app
from chalicelib.api import runtime
from chalicelib.auth.config import AuthConfig
from chalicelib.console.assets import content_security_policy, scripts, stylesheets
from chalicelib.console.render import render_shell
from chalicelib.console.signin import SignIn, sign_in_from
from chalicelib.status.page.assets import stylesheet as status_stylesheet

EVIL = '<script>alert("x")</script>'
POOL = "us-east-1_Abc123"
DOMAIN = "https://streamfeed-prod.auth.us-east-1.amazoncognito.com"


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def shell(sign_in: SignIn | None = None, stage: str = "streamfeed-dev") -> str:
    return render_shell(stage=stage, sign_in=sign_in or SignIn("local"))


@pytest.fixture
def client() -> Iterator[Client]:
    """The app with settings from an empty environment (local auth, stage dev)."""
    runtime.install(None)
    with Client(app) as client:
        yield client


def test_the_shell_holds_no_data_only_empty_views_and_forms() -> None:
    html = shell()
    for tbody in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
        assert tbody == ""
    for items in re.findall(r'<ol id="[a-z-]+-items"[^>]*>(.*?)</ol>', html, re.S):
        assert items == ""
    # Every view and the sign-in start hidden: the script decides what shows.
    sections = re.findall(r"<section [^>]*>", html)
    assert len(sections) == 6 and all(" hidden" in s for s in sections)
    assert 'id="nav" aria-label="Console pages" hidden' in html
    assert "eyJ" not in html.replace('placeholder="eyJ…"', "")  # no token in it
    assert 'type="password"' in html
    assert re.search(r"<input [^>]*value=", html) is None  # nothing pre-filled


def test_the_admin_views_are_marked_so_the_script_removes_them_for_a_user() -> None:
    html = shell()
    for view in ("terms", "keysets", "users"):
        assert re.search(rf'<section id="view-{view}" class="view" data-admin hidden', html)
        assert f'<a href="#{view}" data-admin>' in html
    for view in ("feed", "subscriptions"):
        assert re.search(rf'<section id="view-{view}" class="view" hidden', html)
        assert f'<a href="#{view}">' in html


def test_every_field_has_a_label_and_secrets_are_password_inputs() -> None:
    html = shell()
    ids = re.findall(r'<(?:input|select) [^>]*id="([a-z_-]+)"', html)
    assert len(ids) >= 12
    for field in ids:
        assert f'<label for="{field}">' in html, field
    secrets = re.findall(r'<input type="password" id="ks-([a-z_]+)"[^>]*>', html)
    assert secrets == [
        "bearer_token",
        "consumer_key",
        "consumer_secret",
        "access_token",
        "access_token_secret",
    ]
    assert 'aria-live="polite"' in html and 'role="alert"' in html


def test_the_csp_allows_exactly_the_inlined_scripts_and_styles() -> None:
    html = shell()
    found_scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    found_styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert tuple(found_scripts) == scripts() and len(found_scripts) == 3
    assert tuple(found_styles) == stylesheets()
    assert found_styles[0] == status_stylesheet()  # the status page's look, shared
    policy = content_security_policy()
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["script-src"] == " ".join(sha(s) for s in found_scripts)
    assert directives["style-src"] == " ".join(sha(s) for s in found_styles)
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'self'"
    assert directives["form-action"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert "unsafe" not in policy
    assert not re.search(r"(src|href)=\"https?://", html)  # nothing loaded from elsewhere
    assert not re.search(r"<script [^>]*src=|<link [^>]*stylesheet", html)
    assert re.search(r"\son[a-z]+=", html) is None  # no inline handlers (the CSP forbids them)


def test_the_scripts_never_write_html() -> None:
    code = "\n".join(scripts())
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in code, sink
    assert "document.cookie" not in code
    assert "sessionStorage" in code and "localStorage" not in code
    assert '"Bearer " + token' in code


def test_the_stage_name_is_escaped() -> None:
    html = shell(stage=EVIL)
    assert EVIL not in html
    assert "&lt;script&gt;" in html


def test_locally_the_sign_in_says_how_to_mint_a_token() -> None:
    html = shell(SignIn("local"))
    assert "streamfeed token --user you --admin" in html
    assert 'data-auth-mode="local"' in html
    assert 'id="hosted-sign-in"' not in html and "data-hosted-ui=" not in html


def test_in_aws_without_a_hosted_domain_the_page_explains_how_to_get_a_token() -> None:
    config = AuthConfig(cognito_user_pool_id=POOL, cognito_client_ids="client1,client2")
    sign_in = sign_in_from(config)
    assert sign_in == SignIn("cognito", "client1", None) and not sign_in.hosted
    html = shell(sign_in)
    assert "aws cognito-idp initiate-auth --client-id client1" in html
    assert "STREAMFEED_COGNITO_DOMAIN" in html
    assert 'id="hosted-sign-in"' not in html
    assert "connect-src 'self';" in content_security_policy(None)


def test_in_aws_with_a_hosted_domain_the_page_links_to_cognito() -> None:
    config = AuthConfig(
        cognito_user_pool_id=POOL, cognito_client_ids="client1", cognito_domain=DOMAIN + "/"
    )
    sign_in = sign_in_from(config)
    assert sign_in.hosted and sign_in.hosted_ui == DOMAIN
    html = shell(sign_in)
    assert f'data-hosted-ui="{DOMAIN}" data-client-id="client1"' in html
    assert '<button type="button" id="hosted-sign-in">Sign in with Cognito</button>' in html
    policy = content_security_policy(sign_in.hosted_ui)
    assert f"connect-src 'self' {DOMAIN}/oauth2/token;" in policy
    with pytest.raises(ValueError, match="cognito_domain"):
        AuthConfig(cognito_domain="https://evil.example/path?x=1")


def test_the_route_serves_the_same_shell_with_or_without_a_token(client: Client) -> None:
    bare = client.http.get("/console")
    signed = client.http.get("/console", headers={"Authorization": "Bearer not-even-checked"})
    assert bare.status_code == signed.status_code == 200
    assert bare.body == signed.body
    headers = {k.lower(): v for k, v in bare.headers.items()}
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["content-security-policy"] == content_security_policy()
    assert b"streamfeed console" in bare.body


def test_a_broken_auth_setting_answers_the_api_json_error(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAMFEED_COGNITO_DOMAIN", "not a url")
    response = client.http.get("/console")
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("application/json")
    assert json.loads(response.body)["error"] == "internal"  # logged, not shown to anyone
