"""Chalice app: wiring only. Every handler's logic lives in ``chalicelib``."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice

from chalicelib.api.health import health
from chalicelib.settings import load_settings

app = Chalice(app_name="streamfeed")
settings = load_settings()


@app.route("/health", methods=["GET"])
def get_health() -> dict[str, Any]:
    return health(settings)
