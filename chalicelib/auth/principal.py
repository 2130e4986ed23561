"""Who is calling: the identity a verified token proves, and what it may do.

The authorizer Lambda and the handler Lambda are separate invocations that
only share API Gateway's authorizer *context*, a flat map of strings. A
principal therefore round-trips through :meth:`Principal.to_context` and
:meth:`Principal.from_context`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

#: The group claim Cognito puts in ID and access tokens (local tokens use it too).
GROUPS_CLAIM: Final = "cognito:groups"


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    groups: frozenset[str]
    expires_at: int
    admin: bool
    service: bool

    @property
    def can_write_feeds(self) -> bool:
        """Adding feed items and broadcasting: admins and service clients."""
        return self.admin or self.service

    def to_context(self) -> dict[str, str]:
        return {
            "user_id": self.user_id,
            "groups": ",".join(sorted(self.groups)),
            "exp": str(self.expires_at),
            "admin": "true" if self.admin else "false",
            "service": "true" if self.service else "false",
        }

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> Principal | None:
        user_id = context.get("user_id")
        exp = str(context.get("exp", ""))
        if not isinstance(user_id, str) or not user_id or not exp.isdigit():
            return None
        groups = str(context.get("groups") or "")
        return cls(
            user_id=user_id,
            groups=frozenset(g for g in groups.split(",") if g),
            expires_at=int(exp),
            admin=str(context.get("admin")) == "true",
            service=str(context.get("service")) == "true",
        )


def groups_of(claims: dict[str, Any]) -> frozenset[str]:
    raw = claims.get(GROUPS_CLAIM)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(g for g in raw if isinstance(g, str) and g and "," not in g)
