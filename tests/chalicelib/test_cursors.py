"""One cursor scheme for feeds and timelines; cursors handed out before it still work."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from chalicelib.cursors import CursorError, CursorScheme
from chalicelib.feeds.cursors import decode_cursor as feed_decode
from chalicelib.feeds.cursors import encode_cursor as feed_encode
from chalicelib.feeds.errors import InvalidCursorError
from chalicelib.timelines.cursors import decode_cursor as timeline_decode
from chalicelib.timelines.cursors import encode_cursor as timeline_encode
from chalicelib.timelines.errors import InvalidCursor

FEED_KEY = "2024-05-01T12:00:00.000000Z#tweet:1"
TIMELINE_KEY = "2024-05-01T12:00:00.000000Z#0000000000000000001"


def handed_out_before(field: str, tag_length: int, scope: str, key: str) -> str:
    """A cursor as the two separate modules wrote them before they shared one scheme."""
    tag = hashlib.sha256(scope.encode()).hexdigest()[:tag_length]
    body = json.dumps({"v": 1, field: tag, "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def test_cursors_handed_out_before_still_decode_and_new_ones_are_the_same() -> None:
    old_feed = handed_out_before("u", 12, "alice", FEED_KEY)
    old_timeline = handed_out_before("t", 10, "term-1", TIMELINE_KEY)
    assert feed_decode("alice", old_feed) == FEED_KEY
    assert timeline_decode("term-1", old_timeline) == TIMELINE_KEY
    assert feed_encode("alice", FEED_KEY) == old_feed
    assert timeline_encode("term-1", TIMELINE_KEY) == old_timeline


def test_a_cursor_is_refused_elsewhere_with_a_reason() -> None:
    with pytest.raises(InvalidCursorError, match="another user's feed"):
        feed_decode("bob", feed_encode("alice", FEED_KEY))
    with pytest.raises(InvalidCursor, match="another term's timeline"):
        timeline_decode("term-2", timeline_encode("term-1", TIMELINE_KEY))
    with pytest.raises(InvalidCursorError, match="bad position"):
        feed_decode("alice", feed_encode("alice", "not a sort key"))
    scheme = CursorScheme("x", 8, "another thing")
    for bad in ("", "!!!", "x" * 600, base64.urlsafe_b64encode(b'{"v": 2}').decode(), 42):
        with pytest.raises(CursorError):
            scheme.decode("s", bad)
