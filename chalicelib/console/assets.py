"""The console's stylesheets and scripts, inlined, with the CSP that allows exactly them.

The first stylesheet is the status page's own (``chalicelib.status.page``),
so both pages share one look: its colours, header, tables, badges and token
form. The console's stylesheet only adds what the status page has no use for
(navigation, forms, buttons, narrow screens). The scripts are three files,
each inlined and allowed by its SHA-256 hash; nothing else may run or style
the page. The page may talk to its own origin and, when Cognito's hosted
sign-in is configured, to that domain's token endpoint and nothing else.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final

from chalicelib.status.page.assets import csp_hash
from chalicelib.status.page.assets import stylesheet as status_stylesheet

ASSETS: Final = Path(__file__).resolve().parent / "assets"
#: In load order: core defines the shared helpers, the others add their views.
SCRIPTS: Final = ("core.js", "user.js", "admin.js")


@cache
def stylesheets() -> tuple[str, ...]:
    return (status_stylesheet(), (ASSETS / "console.css").read_text(encoding="utf-8"))


@cache
def scripts() -> tuple[str, ...]:
    return tuple((ASSETS / name).read_text(encoding="utf-8") for name in SCRIPTS)


def content_security_policy(hosted_ui: str | None = None) -> str:
    """As strict as the status page's; ``hosted_ui`` adds only Cognito's token endpoint."""
    connect = "connect-src 'self'" + (f" {hosted_ui}/oauth2/token" if hosted_ui else "")
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(csp_hash(s) for s in scripts()),
            "style-src " + " ".join(csp_hash(s) for s in stylesheets()),
            "img-src 'self' data:",
            connect,
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
