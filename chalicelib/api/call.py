"""What a handler receives and returns: a parsed, authorised call and its reply."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from chalicelib.api.runtime import Runtime
from chalicelib.auth import Principal

B = TypeVar("B", bound=BaseModel)


@dataclass(frozen=True)
class Call:
    """One request after authentication, access checks and validation."""

    runtime: Runtime
    principal: Principal | None
    path: dict[str, str]
    body: BaseModel | None = None
    query: BaseModel | None = None

    def body_as(self, kind: type[B]) -> B:
        if not isinstance(self.body, kind):
            raise TypeError(f"expected a {kind.__name__} body")
        return self.body

    def query_as(self, kind: type[B]) -> B:
        if not isinstance(self.query, kind):
            raise TypeError(f"expected {kind.__name__} query parameters")
        return self.query

    @property
    def me(self) -> Principal:
        if self.principal is None:
            raise TypeError("this operation is public: no principal")
        return self.principal


@dataclass(frozen=True)
class Reply(Generic[B]):
    """A handler's answer: a response model (or nothing, for 204) and a status."""

    body: BaseModel | dict[str, Any] | None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
