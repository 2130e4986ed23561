"""Tweet cards: what a feed row holds for a tweet, and the HTML a reader sees.

Every feed row is billed by its size on each write and read, so a tweet is
stored as a compact card (author id, username, name and plain text, as short
JSON) and turned into HTML only when a page is read. The consumer writes
cards; the API renders them. Content that is not a card (items added through
``POST /feed-items``, broadcasts) is shown as it was stored.

Tweet text and names are untrusted, so everything taken from the tweet is
HTML-escaped when rendered: a tweet saying ``<script>`` shows those
characters, it does not run them.
"""

from __future__ import annotations

from html import escape
from typing import Final
from urllib.parse import quote

import orjson

#: Item ids of tweets: ``tweet:<id>``, the same in every feed and on every retry.
ITEM_PREFIX: Final = "tweet:"
#: The text's share of the feeds' 16 KB content limit (the rest is names and keys).
MAX_TEXT_BYTES: Final = 12 * 1024
MAX_NAME_CHARS: Final = 100
X_URL: Final = "https://x.com"


def item_id(tweet_id: str) -> str:
    """The feed item id of a tweet: the same in every feed and on every retry."""
    return f"{ITEM_PREFIX}{tweet_id}"


def encode(author_id: str | None, username: str | None, name: str | None, text: str) -> str:
    """The card of a tweet: short keys, absent fields left out, text clipped to fit."""
    card: dict[str, str] = {"t": clip(text, MAX_TEXT_BYTES)}
    for key, value in (("a", author_id), ("u", username), ("n", name)):
        if value:
            card[key] = value[:MAX_NAME_CHARS]
    return orjson.dumps(card).decode()


def render(item: str, content: str) -> str:
    """The HTML of item ``item``'s ``content`` if it is a tweet card; otherwise ``content``."""
    card = _card(item, content)
    if card is None:
        return content
    tweet_id = item[len(ITEM_PREFIX) :]
    username, name = card.get("u"), card.get("n")
    if username:
        profile = f"{X_URL}/{quote(username, safe='')}"
        link = f"{profile}/status/{tweet_id}"
        who = f'<a class="author" href="{escape(profile)}">@{escape(username)}</a>'
        if name:
            who = f'<span class="name">{escape(name)}</span> {who}'
    else:
        link = f"{X_URL}/i/web/status/{quote(tweet_id, safe='')}"
        who = f'<span class="author">user {escape(card.get("a") or "?")}</span>'
    text = escape(card.get("t", "")).replace("\n", "<br>")
    return (
        f'<article class="tweet" data-tweet-id="{escape(tweet_id)}">'
        f"<header>{who}</header>"
        f'<p class="text">{text}</p>'
        f'<a class="link" href="{escape(link)}">View on X</a>'
        "</article>"
    )


def clip(text: str, limit: int) -> str:
    """``text`` cut (with "…") to at most ``limit`` bytes of UTF-8."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    return data[: limit - len("…".encode())].decode("utf-8", "ignore") + "…"


def _card(item: str, content: str) -> dict[str, str] | None:
    if not item.startswith(ITEM_PREFIX) or not content.startswith("{"):
        return None
    try:
        card = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(card, dict) or not isinstance(card.get("t"), str):
        return None
    return {k: v for k, v in card.items() if isinstance(v, str)}
