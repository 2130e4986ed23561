"""The AWS resources the dashboard and alarms watch, by name.

The project's own metrics only need the namespace and stage, but Lambda,
Kinesis, SQS and DynamoDB metrics are keyed by resource names that only the
deployment knows (CloudFormation names the functions). The CDK app builds a
:class:`Targets` from its constructs; the local cloud uses :func:`default_targets`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from chalicelib.core import resources
from chalicelib.core.settings import Settings

#: moto's account id: the local cloud's alarm ARNs live there.
LOCAL_ACCOUNT: Final = "123456789012"


@dataclass(frozen=True, slots=True)
class Targets:
    """Names (or CDK tokens standing for them) of the watched resources."""

    api_function: str
    consumer_function: str
    stream: str
    dead_letter_queue: str
    tables: tuple[str, ...]
    #: The account the alarms live in (their ARNs go into the dashboard's alarm widget).
    account: str = LOCAL_ACCOUNT


def default_targets(settings: Settings, account: str = LOCAL_ACCOUNT) -> Targets:
    """The stage's names from ``resources.py``; functions as ``<prefix>-api``, ``-consumer``."""
    return Targets(
        api_function=f"{settings.prefix}-api",
        consumer_function=f"{settings.prefix}-consumer",
        stream=settings.kinesis_stream,
        dead_letter_queue=settings.dead_letter_queue,
        tables=tuple(settings.table_name(t.logical) for t in resources.TABLES),
        account=account,
    )
