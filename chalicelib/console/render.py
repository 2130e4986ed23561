"""The console's HTML shell: navigation, empty views and forms, and nothing else.

The shell is the same for every visitor and carries no data and no secret:
the only values in it are the stage's name and how to sign in (see
``signin``), both escaped. Each view is a ``<section>`` the script shows when
its link is followed (``#terms``, ``#keysets``, ``#users``, ``#feed``,
``#subscriptions``) and fills with what the API returns, building every node
with ``textContent``. Sections marked ``data-admin`` are removed from the page
when ``GET /me`` says the caller is not an admin.

Forms are plain HTML with a ``<label>`` for every field, so they work with a
keyboard and a screen reader before any script runs. Secret fields are
password inputs that the script empties as soon as it has read them.
"""

from __future__ import annotations

from html import escape
from typing import Final

from chalicelib.console.assets import scripts, stylesheets
from chalicelib.console.signin import SignIn
from chalicelib.terms.normalize import MAX_RULE_LENGTH

#: ``chalicelib.core.keysets.values.NAME_PATTERN`` as an HTML ``pattern`` (whole value, v flag).
KEYSET_NAME_PATTERN: Final = r"[A-Za-z0-9_.\-]{1,64}"
#: ``chalicelib.userids.USER_ID_PATTERN``, likewise.
USER_ID_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9_.@+=:\-]{0,127}"
TERM_COLUMNS: Final = (
    "Rule",
    "Enabled",
    "Sync with X",
    "X's message",
    "Hot or cold",
    "Subscribers",
    "Tweets / min",
    "Actions",
)
SUBSCRIPTION_COLUMNS: Final = ("Rule", "Enabled", "Since", "Actions")
NAV: Final = (
    ("terms", "Terms", True),
    ("keysets", "Key sets", True),
    ("users", "Users", True),
    ("feed", "My feed", False),
    ("subscriptions", "My subscriptions", False),
)


def render_shell(*, stage: str, sign_in: SignIn) -> str:
    """The whole document; the script takes it from here."""
    hosted = (
        f' data-hosted-ui="{escape(sign_in.hosted_ui or "")}"'
        f' data-client-id="{escape(sign_in.client_id or "")}"'
        if sign_in.hosted
        else ""
    )
    styles = "".join(f"<style>{css}</style>" for css in stylesheets())
    code = "".join(f"<script>{js}</script>" for js in scripts())
    return (
        "<!doctype html>"
        f'<html lang="en" data-auth-mode="{escape(sign_in.mode)}"{hosted}>'
        '<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        '<link rel="icon" href="data:,">'
        f"<title>streamfeed console</title>{styles}</head>"
        '<body class="console"><a class="skip" href="#content">Skip to the page</a>'
        f"{_header(stage)}"
        '<main id="content" tabindex="-1">'
        '<p id="notice" class="notice" role="status" aria-live="polite"></p>'
        '<p id="problem" class="problem" role="alert" aria-live="assertive"></p>'
        f"{_login(sign_in)}{_terms()}{_keysets()}{_users()}{_feed()}{_subscriptions()}"
        "</main>"
        f"{code}</body></html>"
    )


def _header(stage: str) -> str:
    links = "".join(
        f'<a href="#{name}"{" data-admin" if admin else ""}>{label}</a>'
        for name, label, admin in NAV
    )
    return (
        "<header>"
        f'<h1>streamfeed console <span class="stage">{escape(stage)}</span></h1>'
        f'<nav id="nav" aria-label="Console pages" hidden>{links}'
        '<a href="status/page" data-admin>Status page</a></nav>'
        '<div id="who" hidden><span id="who-name"></span>'
        '<button type="button" id="sign-out">Sign out</button></div>'
        "</header>"
    )


def _login(sign_in: SignIn) -> str:
    hosted = ""
    if sign_in.hosted:
        hosted = (
            '<p><button type="button" id="hosted-sign-in">Sign in with Cognito</button></p>'
            "<p>Or paste a token:</p>"
        )
    return (
        '<section id="login" hidden aria-labelledby="login-title">'
        '<h2 id="login-title" tabindex="-1">Sign in</h2>'
        f"{hosted}<p>{_how_to_get_a_token(sign_in)} It stays in this browser tab and is "
        "sent only to this API, as an <code>Authorization</code> header.</p>"
        '<form id="login-form"><label for="token">API token</label>'
        '<input type="password" id="token" name="token" autocomplete="off" required '
        'spellcheck="false" placeholder="eyJ…">'
        '<button type="submit">Sign in</button></form>'
        '<p class="message" role="alert"></p></section>'
        "<noscript><p>The console needs JavaScript to send a token. Without it, call the "
        "API with <code>Authorization: Bearer …</code> (curl, or the <code>streamfeed</code> "
        "command).</p></noscript>"
    )


def _how_to_get_a_token(sign_in: SignIn) -> str:
    if sign_in.mode == "local":
        return (
            "Paste an API token. Locally: <code>streamfeed token --user you --admin</code> "
            "for an admin, <code>streamfeed token --user alice</code> for a user."
        )
    client = escape(sign_in.client_id or "<app client id>")
    domain = "" if sign_in.hosted else (
        " No hosted sign-in domain is configured (<code>STREAMFEED_COGNITO_DOMAIN</code>), "
        "so get a Cognito access token with the AWS CLI: "
        f"<code>aws cognito-idp initiate-auth --client-id {client} "
        "--auth-flow USER_PASSWORD_AUTH --auth-parameters USERNAME=you,PASSWORD=… "
        "--query AuthenticationResult.AccessToken --output text</code>."
    )  # fmt: skip
    return f"Paste a Cognito access or ID token of this API's user pool.{domain}"


def _view(name: str, title: str, body: str, *, admin: bool) -> str:
    marker = " data-admin" if admin else ""
    return (
        f'<section id="view-{name}" class="view"{marker} hidden aria-labelledby="h-{name}">'
        f'<h2 id="h-{name}" tabindex="-1">{title}</h2>{body}</section>'
    )


def _table(table_id: str, caption: str, headings: tuple[str, ...]) -> str:
    cells = "".join(f'<th scope="col">{h}</th>' for h in headings)
    return (
        f'<div class="table-wrap"><table id="{table_id}" class="cards">'
        f'<caption class="sr-only">{caption}</caption>'
        f"<thead><tr>{cells}</tr></thead><tbody></tbody></table></div>"
    )


def _terms() -> str:
    body = (
        '<p id="terms-rate" class="lead"></p>'
        '<form id="term-form" class="fields">'
        '<div class="field wide"><label for="term-value">Rule</label>'
        f'<input id="term-value" name="value" required maxlength="{MAX_RULE_LENGTH}" '
        'autocomplete="off" spellcheck="false" placeholder="#python lang:en"></div>'
        '<div class="field check"><input type="checkbox" id="term-enabled" name="enabled" '
        'checked><label for="term-enabled">Enabled</label></div>'
        '<div class="field submit"><button type="submit">Add term</button></div></form>'
        + _table("terms-table", "Every filter term", TERM_COLUMNS)
        + '<p id="terms-empty" class="none" hidden>No terms yet: add one above.</p>'
        '<p class="hint">Tweets / min: the term\'s tweets stored in the last five minutes, '
        "from its newest 100 (<code>GET /terms/{id}/tweets</code>); the stream's total is "
        "above. The list refreshes every few seconds while open.</p>"
    )
    return _view("terms", "Terms", body, admin=True)


def _secret(name: str, label: str, *, required: bool = False) -> str:
    need = " required" if required else ""
    return (
        f'<div class="field"><label for="ks-{name}">{label}</label>'
        f'<input type="password" id="ks-{name}" name="{name}" autocomplete="new-password" '
        f'spellcheck="false" maxlength="2048"{need}></div>'
    )


def _keysets() -> str:
    body = (
        '<p id="keysets-default" class="lead"></p>'
        + _table(
            "keysets-table",
            "Every X API key set, by hint",
            ("Name", "Hint", "User context", "Description", "Default", "Actions"),
        )
        + '<p id="keysets-empty" class="none" hidden>No key sets yet.</p>'
        "<h3>Add a key set, or replace one's secrets</h3>"
        '<p class="hint">Secrets go to the API and are never shown again: only a hint '
        "(the token's last four characters) comes back. The fields are emptied when you "
        "submit.</p>"
        '<form id="keyset-form" class="fields" autocomplete="off">'
        '<div class="field"><label for="ks-name">Name</label>'
        f'<input id="ks-name" name="name" required pattern="{KEYSET_NAME_PATTERN}" '
        'autocomplete="off" spellcheck="false" placeholder="main"></div>'
        '<div class="field"><label for="ks-description">Description (optional)</label>'
        '<input id="ks-description" name="description" maxlength="200" autocomplete="off">'
        "</div>"
        + _secret("bearer_token", "Bearer token", required=True)
        + '<details class="field wide"><summary>User-context keys (optional)</summary>'
        '<div class="fields">'
        + _secret("consumer_key", "Consumer key")
        + _secret("consumer_secret", "Consumer secret")
        + _secret("access_token", "Access token")
        + _secret("access_token_secret", "Access token secret")
        + "</div></details>"
        '<div class="field wide buttons"><button type="submit" value="add">Add key set</button>'
        '<button type="submit" value="replace" class="secondary">Replace secrets</button></div>'
        "</form>"
    )
    return _view("keysets", "Key sets", body, admin=True)


def _feed_block(prefix: str) -> str:
    return (
        f'<ol id="{prefix}-items" class="feed" aria-live="polite"></ol>'
        f'<p id="{prefix}-empty" class="none" hidden>Nothing in this feed yet.</p>'
        f'<p class="buttons"><button type="button" id="{prefix}-older" hidden>Older</button>'
        f'<button type="button" id="{prefix}-reload" class="secondary">Newest</button></p>'
    )


def _users() -> str:
    body = (
        '<form id="user-form" class="fields">'
        '<div class="field"><label for="user-id">User id</label>'
        f'<input id="user-id" name="user_id" required pattern="{USER_ID_PATTERN}" '
        'autocomplete="off" spellcheck="false" placeholder="alice"></div>'
        '<div class="field submit"><button type="submit">Look up</button></div></form>'
        '<div id="user-panel" hidden>'
        '<h3 id="user-subs-title" tabindex="-1"></h3>'
        + _table("user-subs-table", "The user's subscriptions", SUBSCRIPTION_COLUMNS)
        + '<p id="user-subs-empty" class="none" hidden>No subscriptions.</p>'
        '<form id="user-sub-form" class="fields">'
        '<div class="field wide"><label for="user-sub-term">Subscribe them to</label>'
        '<select id="user-sub-term" name="term_id" required></select></div>'
        '<div class="field submit"><button type="submit">Subscribe</button></div></form>'
        '<h3 id="user-feed-title"></h3>' + _feed_block("user-feed") + "</div>"
    )
    return _view("users", "Users", body, admin=True)


def _feed() -> str:
    return _view("feed", "My feed", _feed_block("my-feed"), admin=False)


def _subscriptions() -> str:
    body = (
        _table("my-subs-table", "Your subscriptions", SUBSCRIPTION_COLUMNS)
        + '<p id="my-subs-empty" class="none" hidden>You follow no term yet.</p>'
        '<form id="my-sub-form" class="fields">'
        '<div class="field wide"><label for="my-sub-value">Follow a rule</label>'
        f'<input id="my-sub-value" name="value" required maxlength="{MAX_RULE_LENGTH}" '
        'autocomplete="off" spellcheck="false" placeholder="#python lang:en"></div>'
        '<div class="field submit"><button type="submit">Follow</button></div></form>'
        '<p class="hint">Give the rule exactly as the operators wrote it (spacing may '
        "differ).</p>"
    )
    return _view("subscriptions", "My subscriptions", body, admin=False)
