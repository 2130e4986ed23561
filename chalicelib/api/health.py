"""``GET /health``: is this deployment configured, and which one is it?

A load balancer or a deploy script needs a cheap, unauthenticated answer that
proves the function starts and its settings are valid, without touching data.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from chalicelib.settings import Settings


def version() -> str:
    try:
        return metadata.version("streamfeed")
    except metadata.PackageNotFoundError:  # the Lambda bundle has no dist-info
        return "unknown"


def health(settings: Settings) -> dict[str, Any]:
    return {
        "status": "ok",
        "service": "streamfeed",
        "stage": settings.stage,
        "region": settings.region,
        "version": version(),
    }
