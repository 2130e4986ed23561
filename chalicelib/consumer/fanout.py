"""Turn a stored tweet into one feed item per subscriber.

The item is a small HTML snippet (author, text, link). Tweet text and names
are untrusted, so everything taken from the tweet is HTML-escaped: a tweet
saying ``<script>`` shows those characters, it does not run them. The item id
is derived from the tweet id and the content from the tweet alone, so a retried
batch writes the same items again (the feeds count them once) instead of new
ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final
from urllib.parse import quote

from chalicelib.consumer.parsing import TweetSource
from chalicelib.consumer.subscribers import SubscriberLookup
from chalicelib.consumer.tweetmodel import tweet_time
from chalicelib.feeds import BatchMark, Delivery, Feeds

#: The text's share of the feeds' 16 KB content limit (the rest is markup and names).
MAX_TEXT_BYTES: Final = 12 * 1024
MAX_NAME_CHARS: Final = 100
X_URL: Final = "https://x.com"


def item_id(tweet_id: str) -> str:
    """The feed item id of a tweet: the same in every feed and on every retry."""
    return f"tweet:{tweet_id}"


def feed_content(source: TweetSource) -> str:
    """The HTML snippet a subscriber sees for ``source``."""
    author = source.author or {}
    username = _field(author, "username")
    name = _field(author, "name")
    if username:
        profile = f"{X_URL}/{quote(username, safe='')}"
        link = f"{profile}/status/{source.tweet_id}"
        who = f'<a class="author" href="{escape(profile)}">@{escape(username)}</a>'
        if name:
            who = f'<span class="name">{escape(name)}</span> {who}'
    else:
        link = f"{X_URL}/i/web/status/{source.tweet_id}"
        author_id = str(source.tweet.get("author_id") or "?")[:MAX_NAME_CHARS]
        who = f'<span class="author">user {escape(author_id)}</span>'
    text = text_html(source.text, MAX_TEXT_BYTES)
    return (
        f'<article class="tweet" data-tweet-id="{source.tweet_id}">'
        f"<header>{who}</header>"
        f'<p class="text">{text}</p>'
        f'<a class="link" href="{escape(link)}">View on X</a>'
        "</article>"
    )


def delivery(
    source: TweetSource,
    lookup: SubscriberLookup,
    terms: Iterable[str],
    already: Iterable[str] = (),
) -> Delivery:
    """``source`` for every subscriber of ``terms`` (not of ``already``), read lazily."""
    return Delivery(
        lookup.recipients(terms, exclude=already),
        feed_content(source),
        tweet_time(source),
        item_id(source.tweet_id),
    )


@dataclass
class FanOut:
    """Deliver tweets to their terms' subscribers through ``chalicelib.feeds``."""

    feeds: Feeds

    def deliver(self, deliveries: Sequence[Delivery], mark: BatchMark) -> list[int]:
        """Add every delivery in one batch; how many feeds each reached.

        ``mark`` names the shard and the chunk's place in it, so a redone
        chunk counts nothing twice (see ``chalicelib.feeds.tally``).
        """
        return [r.recipients for r in self.feeds.add_stream_items(deliveries, mark=mark)]


def _field(user: dict[str, object], key: str) -> str | None:
    """A short string field of a user object (X caps names at 50 characters)."""
    value = user.get(key)
    return value[:MAX_NAME_CHARS] if isinstance(value, str) and value else None


def text_html(text: str, limit: int) -> str:
    """``text`` escaped, line breaks kept, clipped (with "…") to at most ``limit`` bytes."""
    cut, clipped = text, False
    while True:
        html = escape(cut).replace("\n", "<br>") + ("…" if clipped else "")
        size = len(html.encode("utf-8", "replace"))
        if size <= limit:
            return html
        # Shrink in proportion to the overshoot; a few rounds at most.
        cut, clipped = cut[: max(0, int(len(cut) * limit / size) - 8)], True
