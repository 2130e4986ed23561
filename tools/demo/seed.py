"""The demo's starting data: a few terms, users and subscriptions, on the first run only.

Seeded through the same services the API calls (terms, subscriptions,
feeds), so the demo's data is ordinary data. A marker row in the ``control``
table records that seeding happened: it lives with the data it describes, so
deleting a term in the demo is not undone by the next start, and wiping the
data (``rm -rf .streamfeed``) seeds again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib import subscriptions, terms
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.feeds import Feeds
from chalicelib.terms import DuplicateTerm
from chalicelib.terms.normalize import normalize_value, term_id_for
from chalicelib.terms.validation import CheckerSource

#: X rules the fake X server generates tweets for (any rule works; these read well).
DEMO_TERMS: Final = ("#python", "serverless lang:en", '"open source"')
#: user -> the demo terms they follow.
DEMO_USERS: Final = {
    "alice": ("#python", "serverless lang:en"),
    "bob": ("serverless lang:en", '"open source"'),
    "carol": ('"open source"',),
}
#: The user whose token the demo prints.
DEMO_USER: Final = "alice"
#: The operator (admin) whose token the demo prints.
DEMO_ADMIN: Final = "ops"
#: Terms offered in the "add a term" example; the first one not yet stored is shown.
EXTRA_TERMS: Final = ("#rustlang", "#golang", "kubernetes", "#opensource", "dynamodb", "#aws")
MARKER_PK: Final = "demo"
MARKER_SK: Final = "seeded"


@dataclass(frozen=True)
class SeedReport:
    seeded: bool
    terms_created: int = 0
    subscriptions_created: int = 0


def term_id(value: str) -> str:
    """The id a term with this rule gets (ids derive from the normalised rule)."""
    return term_id_for(normalize_value(value))


def seeded(settings: Settings) -> bool:
    try:
        bind_models(settings).control.get(MARKER_PK, MARKER_SK, consistent_read=True)
    except DoesNotExist:
        return False
    return True


def seed(settings: Settings, checkers: CheckerSource) -> SeedReport:
    """Create the demo terms, users and subscriptions unless the marker says it was done."""
    if seeded(settings):
        return SeedReport(seeded=False)
    created_terms = 0
    for value in DEMO_TERMS:
        try:
            terms.create_term(settings, value, checkers)
            created_terms += 1
        except DuplicateTerm:
            pass
    feeds = Feeds.from_settings(settings)
    created_subs = 0
    for user, values in DEMO_USERS.items():
        for value in values:
            result = subscriptions.subscribe(
                settings, user, term_id(value), feeds.register_users, feeds.own_count
            )
            created_subs += int(result.created)
    _mark(settings)
    return SeedReport(True, created_terms, created_subs)


def _mark(settings: Settings) -> None:
    model = bind_models(settings).control
    row = model(MARKER_PK, sk=MARKER_SK, updated_at=datetime.now(UTC))
    row.data = {"terms": list(DEMO_TERMS), "users": sorted(DEMO_USERS)}
    try:
        row.save(condition=model.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def next_extra_term(settings: Settings) -> str:
    """A term for the "add a term" example that is not stored yet (so the curl gets 201)."""
    existing = {t.term_id for t in terms.list_terms(settings)}
    for value in EXTRA_TERMS:
        if term_id(value) not in existing:
            return value
    return f"demo{len(existing)}"
