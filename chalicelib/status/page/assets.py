"""The page's stylesheet and script, inlined, with the CSP that allows exactly them.

Both are files next to this module (easy to edit and lint) and are inlined
into the HTML, so the page needs no second request and works offline. The
Content-Security-Policy names their SHA-256 hashes: nothing else may run or
style the page, and it may only talk to its own origin.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Final

ASSETS: Final = Path(__file__).resolve().parent / "assets"


@cache
def stylesheet() -> str:
    return (ASSETS / "page.css").read_text(encoding="utf-8")


@cache
def script() -> str:
    return (ASSETS / "page.js").read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    """A CSP source that allows exactly ``text`` inline (the console's CSP uses it too)."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@cache
def content_security_policy() -> str:
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {csp_hash(script())}",
            f"style-src {csp_hash(stylesheet())}",
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
