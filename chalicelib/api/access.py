"""Who may call what. One rule per operation, checked before any handler runs.

- ``public``: anyone (health, the OpenAPI document).
- ``user``: any valid token.
- ``owner``: the user named in the path (``me`` works) or an admin.
- ``writer``: admins and service clients (feed items, broadcasts).
- ``admin``: admins (terms, key sets, status). Users subscribe by a term's id or
  rule and see their own terms in their subscriptions, never the whole list.

Within the routes a caller may use, terms are private: only admins and the
service group see every term (:func:`sees_every_term`); anyone else learns of
the terms they subscribe to and no other (see ``chalicelib.api.visibility``).
"""

from __future__ import annotations

import time
from typing import Any, Literal

from chalicelib.api.errors import forbidden, unauthorized
from chalicelib.auth import Principal

Access = Literal["public", "user", "owner", "writer", "admin"]
ME = "me"


def principal_from(
    authorizer_context: dict[str, Any] | None, now: float | None = None
) -> Principal:
    """The caller proven by the authorizer, or a 401 saying why not.

    The expiry is checked again here because API Gateway caches an authorizer's
    answer (per token) for minutes, possibly past the token's ``exp``.
    """
    context = authorizer_context or {}
    if context.get("auth_error"):
        raise unauthorized(str(context.get("auth_message") or "the token is not valid"))
    principal = Principal.from_context(context)
    if principal is None:
        raise unauthorized("an Authorization: Bearer token is required", "invalid_request")
    if principal.expires_at < (time.time() if now is None else now):
        raise unauthorized("the token has expired")
    return principal


def resolve_user(path_user: str, principal: Principal) -> str:
    """``me`` stands for the caller."""
    return principal.user_id if path_user == ME else path_user


def check(access: Access, principal: Principal, path_user: str | None = None) -> None:
    """Raise 403 unless ``principal`` may perform an operation of this ``access``."""
    if access in ("public", "user"):
        return
    if access == "admin" and not principal.admin:
        raise forbidden("this operation needs the admin group")
    if access == "writer" and not principal.can_write_feeds:
        raise forbidden("this operation needs the admin or service group")
    if access == "owner" and not principal.admin and path_user != principal.user_id:
        raise forbidden("you can only access your own feed and subscriptions")


def sees_every_term(principal: Principal) -> bool:
    """Admins manage the terms and the service group feeds every user: both see them all.

    Anyone else sees only the terms they subscribe to, so a term an admin keeps
    hidden or disabled, and its rule, stay out of their answers.
    """
    return principal.admin or principal.service
