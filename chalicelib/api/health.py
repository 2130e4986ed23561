"""``GET /health``: is this deployment configured, and which one is it?

A load balancer or a deploy script needs a cheap, unauthenticated answer that
proves the function starts and its settings are valid, without touching data.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.settings import Settings
from chalicelib.core.version import __version__


def health(settings: Settings) -> dict[str, Any]:
    return {
        "status": "ok",
        "service": "streamfeed",
        "stage": settings.stage,
        "region": settings.region,
        "version": __version__,
    }
