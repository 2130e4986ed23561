"""``GET /health``: is this deployment configured, and which one is it?

A load balancer or a deploy script needs a cheap, unauthenticated answer that
proves the function starts and its settings are valid, without touching data.
"""

from __future__ import annotations

from typing import Any

from chalicelib.settings import Settings
from chalicelib.version import __version__


def version() -> str:
    """The release, known in Lambda too (the bundle has no package metadata)."""
    return __version__


def health(settings: Settings) -> dict[str, Any]:
    return {
        "status": "ok",
        "service": "streamfeed",
        "stage": settings.stage,
        "region": settings.region,
        "version": version(),
    }
