"""Load what :func:`build_report` needs (the impure half of status).

The stream's state comes from DynamoDB and is the one part the report cannot
do without. CloudWatch, SQS and the consumer's totals only add numbers, so
each of them failing becomes a line in ``problems`` instead of an error: the
status page must still say "down" when half of AWS is. Their clients fail
fast (one attempt, short timeouts) for the same reason.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.consumer.totals import AllTimeTotals, ConsumerTotals
from chalicelib.core import resources
from chalicelib.core.aws import quick_client
from chalicelib.core.keysets.service import stored_default
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings
from chalicelib.status.metrics import MetricsView, fetch_metrics
from chalicelib.status.queue import QueueDepth, queue_depth
from chalicelib.status.report import (
    STATUS_PK,
    STATUS_SK,
    STATUS_SK_PREFIX,
    TermSync,
    build_report,
    main_stream,
)
from chalicelib.terms import list_terms

log = logging.getLogger(__name__)


def read_status_records(settings: Settings) -> list[dict[str, Any]]:
    """Every key set's status record (one query: the records share their partition).

    The record all streamers shared before (``sk="status"``) is read only when
    no key set has a record of its own: that is a streamer of an older version
    still running, and once it is replaced its record is a stale leftover.
    """
    control = bind_models(settings).control
    found = [
        record
        for record in control.query(
            STATUS_PK, control.sk.startswith(STATUS_SK), consistent_read=True
        )
        if isinstance(record.data, dict)
    ]
    own = [r.data for r in found if r.sk.startswith(STATUS_SK_PREFIX)]
    return own or [r.data for r in found if r.sk == STATUS_SK]


def read_status_record(settings: Settings) -> dict[str, Any] | None:
    """The record ``stream`` reports: the default key set's, else the freshest one."""
    records = read_status_records(settings)
    return main_stream(records, default_key_set(settings) if len(records) > 1 else None)


def default_key_set(settings: Settings) -> str | None:
    """The default key set's name as the streamer resolves it, without a scan of the key sets.

    Only asked when several key sets report; a key set that is the only one
    is also the only one reporting.
    """
    return settings.default_keys or stored_default(settings)


def read_terms(settings: Settings) -> list[TermSync]:
    return [
        TermSync(
            t.term_id,
            t.value,
            t.enabled,
            t.sync_state,
            t.sync_error,
            t.updated_at,
            subscribers=t.subscribers,
            hot=t.hot,
        )
        for t in list_terms(settings)
    ]


def read_metrics(settings: Settings, now: datetime) -> MetricsView:
    return fetch_metrics(quick_client(settings, "cloudwatch"), settings, now)


def read_queue(settings: Settings) -> QueueDepth:
    return queue_depth(quick_client(settings, "sqs"), settings.dead_letter_queue)


def read_totals(settings: Settings) -> AllTimeTotals:
    control = settings.table_name(resources.CONTROL.logical)
    return ConsumerTotals(quick_client(settings, "dynamodb"), control).read()


def current_status(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """The full report; only the DynamoDB reads of the record and terms may raise."""
    when = now if now is not None else datetime.now(UTC)
    problems: list[str] = []
    metrics: MetricsView | None = None
    stored: int | None = None
    try:
        metrics = read_metrics(settings, when)
    except (BotoCoreError, ClientError) as exc:
        problems.append(_problem("CloudWatch metrics are unavailable", exc))
    try:
        stored = read_totals(settings).tweets_stored
    except (BotoCoreError, ClientError) as exc:
        problems.append(_problem("the consumer's totals are unavailable", exc))
    dead_letter = read_queue(settings)
    if dead_letter.error:
        problems.append(f"dead-letter queue: {dead_letter.error}")
    records = read_status_records(settings)
    return build_report(
        records,
        read_terms(settings),
        when,
        settings.poll_interval,
        default_key_set=default_key_set(settings) if len(records) > 1 else None,
        metrics=metrics,
        dead_letter=dead_letter,
        stored_items=stored,
        problems=problems,
    )


def _problem(what: str, exc: Exception) -> str:
    log.warning("%s: %s", what, exc)
    if isinstance(exc, ClientError):
        return f"{what} ({exc.response.get('Error', {}).get('Code', 'error')})"
    return f"{what} ({type(exc).__name__})"
