"""Opaque page cursors: where the previous page ended, not how far in it was.

A cursor holds the sort key of the last item returned, so the next page is
"strictly beyond that key": items arriving above it cannot shift it, which is
what makes cursors safe while a feed or a timeline grows (offsets are not). A
short tag of what the cursor pages (a user's feed, a term's timeline) rides
along, so a cursor handed to another one is refused instead of silently
paging from a foreign position. One scheme serves every paged resource; each
keeps its own field name, so cursors already handed out stay valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Final

VERSION: Final = 1
MAX_CURSOR_LENGTH: Final = 512
MAX_KEY_LENGTH: Final = 256


class CursorError(ValueError):
    """A cursor this scheme did not hand out (``str()`` says why, for the caller's error)."""


@dataclass(frozen=True)
class CursorScheme:
    """Cursors bound to one kind of scope: ``field`` names the scope's tag in the cursor."""

    field: str
    tag_length: int
    #: What a cursor from another scope is told ("another user's feed").
    foreign: str

    def encode(self, scope: str, key: str) -> str:
        body = {"v": VERSION, self.field: self.tag(scope), "k": key}
        text = json.dumps(body, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def decode(self, scope: str, cursor: object) -> str:
        """The key inside ``cursor``, or CursorError saying what is wrong with it."""
        if not isinstance(cursor, str) or not 0 < len(cursor) <= MAX_CURSOR_LENGTH:
            raise CursorError("cursor must be a non-empty string from a previous page")
        try:
            body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise CursorError("cursor is not valid (was it altered?)") from None
        if not isinstance(body, dict) or body.get("v") != VERSION:
            raise CursorError("cursor is not valid (unknown version)")
        key = body.get("k")
        if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH:
            raise CursorError("cursor is not valid (bad position)")
        if body.get(self.field) != self.tag(scope):
            raise CursorError(f"cursor belongs to {self.foreign}")
        return key

    def tag(self, scope: str) -> str:
        """The short hash of ``scope`` a cursor carries (hostile-input tests forge with it)."""
        return hashlib.sha256(scope.encode()).hexdigest()[: self.tag_length]
