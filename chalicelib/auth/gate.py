"""The authorizer's decision, free of Chalice: header in, authorizer context out.

API Gateway caches an authorizer's answer per token for every route, so the
answer cannot depend on the route: it allows the API and passes the verified
identity (or the reason the token failed) in the context. The handlers then
refuse with a proper ``401`` JSON body when the context carries an error, and
decide per route what the identity may do (403). A request without an
``Authorization`` header never reaches the authorizer: API Gateway answers 401.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from chalicelib.auth.errors import TokenError
from chalicelib.auth.verify import Verifier

ANONYMOUS: Final = "anonymous"


@dataclass(frozen=True, slots=True)
class Decision:
    principal_id: str
    context: dict[str, str]


def decide(authorization: str | None, verifier: Verifier) -> Decision:
    """Verify ``Authorization: Bearer <jwt>`` and describe the outcome."""
    try:
        token = bearer_token(authorization)
        principal = verifier.verify(token)
    except TokenError as exc:
        return Decision(ANONYMOUS, {"auth_error": exc.reason, "auth_message": exc.message})
    return Decision(principal.user_id, principal.to_context())


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise TokenError("missing", "an Authorization: Bearer token is required")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("malformed", "the Authorization header must be 'Bearer <token>'")
    return token.strip()
