"""Load what :func:`build_report` needs from DynamoDB (the impure half of status)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.models import bind_models
from chalicelib.settings import Settings
from chalicelib.status.report import STATUS_PK, STATUS_SK, TermSync, build_report
from chalicelib.terms import list_terms


def read_status_record(settings: Settings) -> dict[str, Any] | None:
    try:
        record = bind_models(settings).control.get(STATUS_PK, STATUS_SK, consistent_read=True)
    except DoesNotExist:
        return None
    return record.data if isinstance(record.data, dict) else None


def current_status(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    terms = [
        TermSync(t.term_id, t.value, bool(t.enabled), t.sync_state, t.sync_error)
        for t in list_terms(settings)
    ]
    when = now if now is not None else datetime.now(UTC)
    return build_report(read_status_record(settings), terms, when, settings.poll_interval)
