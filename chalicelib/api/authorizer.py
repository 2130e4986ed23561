"""The Chalice built-in authorizer's body: verify the token, describe the caller.

It allows every route and carries the outcome in the context (see
``chalicelib.auth.gate`` for why); the handlers turn an error in the context
into a 401 and check per-route rights.
"""

from __future__ import annotations

from chalice.app import AuthRequest, AuthResponse

from chalicelib.api import runtime
from chalicelib.api.telemetry import logger
from chalicelib.auth import ANONYMOUS, Decision, decide

log = logger


def authorize(auth_request: AuthRequest) -> AuthResponse:
    try:
        verifier = runtime.current().verifier
    except Exception as exc:  # noqa: BLE001 - misconfigured: refuse everyone, loudly
        log.error("authorizer cannot start: %s", type(exc).__name__)
        return AuthResponse(routes=[], principal_id="anonymous")
    try:
        decision = decide(auth_request.token, verifier)
    except Exception as exc:
        log.error("authorizer failed verifying a token: %s", type(exc).__name__, exc_info=exc)
        decision = Decision(ANONYMOUS, {"auth_error": "unavailable", "auth_message": "try again"})
    if "auth_error" in decision.context:
        log.info("token refused: %s", decision.context["auth_error"])
    return AuthResponse(routes=["*"], principal_id=decision.principal_id, context=decision.context)
