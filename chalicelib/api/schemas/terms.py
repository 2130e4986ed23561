"""Term bodies and representations."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.api.schemas.common import Input, Output, UtcTime
from chalicelib.terms import MAX_RULE_LENGTH


class TermCreate(Input):
    value: str = Field(
        min_length=1,
        max_length=MAX_RULE_LENGTH,
        description="An X filtered-stream rule, e.g. `#python lang:en`.",
    )
    enabled: bool = True


class TermUpdate(Input):
    enabled: bool = Field(description="false stops streaming this rule; true resumes it.")


class Term(Output):
    term_id: str
    value: str
    tag: str = Field(description="The X rule tag; equals term_id.")
    enabled: bool
    sync_state: Literal["pending", "active", "rejected"] | str
    x_rule_id: str | None
    sync_error: str | None
    created_at: UtcTime
    updated_at: UtcTime
    subscribers: int = Field(description="Users subscribed to the term.")
    hot: bool = Field(
        description="Hot (or turning hot): its tweets are stored once and merged into "
        "subscribers' feeds when read (STREAMFEED_HOT_TERM_SUBSCRIBERS)."
    )


class Validation(Output):
    method: Literal["x_dry_run", "syntax_check"]
    note: str | None = Field(description="Why X was not asked, when it was not.")


class TermCreated(Term):
    validation: Validation


class TermList(Output):
    items: list[Term]
