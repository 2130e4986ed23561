"""Opaque page cursors: where the previous page ended, not how far in it was.

A cursor holds the sort key of the last item returned, so the next page is
"strictly older than that key". New items arriving above the cursor cannot
shift it, which is what makes cursors safe while a feed grows (offsets are
not). A short tag of the user id rides along so a cursor handed to another
user's feed is refused instead of silently paging from a foreign position.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Final

from chalicelib.feeds.errors import InvalidCursorError
from chalicelib.feeds.keys import is_sort_key

VERSION: Final = 1
MAX_CURSOR_LENGTH: Final = 512


def _user_tag(user: str) -> str:
    return hashlib.sha256(user.encode()).hexdigest()[:12]


def encode_cursor(user: str, last_key: str) -> str:
    body = json.dumps({"v": VERSION, "u": _user_tag(user), "k": last_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode_cursor(user: str, cursor: str) -> str:
    """The sort key inside ``cursor``; InvalidCursorError when it is not ours."""
    if not isinstance(cursor, str) or not 0 < len(cursor) <= MAX_CURSOR_LENGTH:
        raise InvalidCursorError("cursor must be a non-empty string from a previous page")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursorError("cursor is not valid (was it altered?)") from None
    if not isinstance(body, dict) or body.get("v") != VERSION:
        raise InvalidCursorError("cursor is not valid (unknown version)")
    key = body.get("k")
    if not isinstance(key, str) or not is_sort_key(key):
        raise InvalidCursorError("cursor is not valid (bad position)")
    if body.get("u") != _user_tag(user):
        raise InvalidCursorError("cursor belongs to another user's feed")
    return key
