"""Feed cursors: the shared scheme (``chalicelib.cursors``) bound to a user's feed."""

from __future__ import annotations

from typing import Final

from chalicelib.cursors import CursorError, CursorScheme
from chalicelib.feeds.errors import InvalidCursorError
from chalicelib.feeds.keys import is_sort_key

FEED_CURSORS: Final = CursorScheme("u", 12, "another user's feed")


def encode_cursor(user: str, last_key: str) -> str:
    return FEED_CURSORS.encode(user, last_key)


def decode_cursor(user: str, cursor: str) -> str:
    """The sort key inside ``cursor``; InvalidCursorError when it is not ours."""
    try:
        key = FEED_CURSORS.decode(user, cursor)
    except CursorError as exc:
        raise InvalidCursorError(str(exc)) from None
    if not is_sort_key(key):
        raise InvalidCursorError("cursor is not valid (bad position)")
    return key
