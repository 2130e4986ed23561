"""Why a token was refused. The message is safe to send back: it never echoes the token."""

from __future__ import annotations

from typing import Literal

Reason = Literal[
    "missing", "malformed", "expired", "bad_signature", "invalid_claims", "unavailable"
]


class TokenError(Exception):
    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason
        self.message = message
