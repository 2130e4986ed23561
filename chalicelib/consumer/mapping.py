"""How Kinesis feeds the consumer: the event source mapping, defined once.

Chalice's ``on_kinesis_record`` can only set the batch size, the batching
window and the starting position; partial batch responses, bisecting, retries
and the on-failure destination must be added by the CDK app (or ``chalice
package --merge-template``). Both that app and the local runner
(``streamfeed consume``) read this module, so the local run behaves like the
deployed one and the two cannot drift apart.

The stream name is needed when ``app.py`` is imported (Chalice reads it at
packaging time), before settings are loaded, so :func:`stream_name` derives it
from the environment with exactly the rules and defaults of ``Settings``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from pydantic import BaseModel, ValidationError, create_model

from chalicelib.core.settings import Settings, SettingsError, env_name

#: The consumer's Lambda function (the ``app.py`` handler's name).
HANDLER_NAME: Final = "consume_tweets"


@dataclass(frozen=True)
class EventSourceMapping:
    """The Lambda event source mapping between the tweets stream and the consumer."""

    #: Records per invocation. A record packs up to 2,000 tweets, so this bounds
    #: the work of one invocation (and of one retry) to ~20,000 tweets.
    batch_size: int = 10
    #: Seconds Lambda may wait to fill a batch. 0: invoke with what a poll finds.
    #: Under load batches fill from the backlog anyway; on a quiet stream a 1 s
    #: window added up to a second to every tweet's way to storage, for about a
    #: dollar a shard a month less in invocations (README, "Latency").
    maximum_batching_window_in_seconds: int = 0
    #: A new mapping starts at the oldest record kept: storage is idempotent, so
    #: re-reading is harmless while skipping would lose tweets.
    starting_position: Literal["TRIM_HORIZON", "LATEST"] = "TRIM_HORIZON"
    #: The handler returns ``batchItemFailures``; Lambda retries from the lowest
    #: failed sequence number instead of the whole batch.
    report_batch_item_failures: bool = True
    #: When an invocation fails as a whole (crash, timeout), split the batch in
    #: two and retry the halves, to isolate a record that kills the function.
    bisect_batch_on_function_error: bool = True
    #: Retries of a failing batch before it is given up and described on the
    #: dead-letter queue. Generous, because the handler quarantines poison
    #: records itself after ``record_max_attempts``; what reaches this limit is
    #: an outage, and each retry is idempotent.
    maximum_retry_attempts: int = 10
    #: -1: keep retrying for as long as the stream retains the record.
    maximum_record_age_in_seconds: int = -1
    #: One concurrent batch per shard keeps each shard's records in order.
    parallelization_factor: int = 1
    #: Tries of one record (by shard and sequence number) before the handler
    #: sends it, with its error and data, to the dead-letter queue and moves on.
    #: Below ``maximum_retry_attempts``, so the handler, which knows the error
    #: and holds the data, acts before the mapping, which sends metadata only.
    record_max_attempts: int = 3

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= 10_000:
            raise ValueError("batch_size must be 1-10000")
        if not 0 <= self.maximum_batching_window_in_seconds <= 300:
            raise ValueError("maximum_batching_window_in_seconds must be 0-300")
        if not -1 <= self.maximum_retry_attempts <= 10_000:
            raise ValueError("maximum_retry_attempts must be -1-10000")
        if self.record_max_attempts < 1:
            raise ValueError("record_max_attempts must be at least 1")

    def cloudformation_properties(self, stream_arn: str, dead_letter_arn: str) -> dict[str, Any]:
        """``AWS::Lambda::EventSourceMapping`` properties (besides ``FunctionName``)."""
        return {
            "EventSourceArn": stream_arn,
            "BatchSize": self.batch_size,
            "MaximumBatchingWindowInSeconds": self.maximum_batching_window_in_seconds,
            "StartingPosition": self.starting_position,
            "FunctionResponseTypes": (
                ["ReportBatchItemFailures"] if self.report_batch_item_failures else []
            ),
            "BisectBatchOnFunctionError": self.bisect_batch_on_function_error,
            "MaximumRetryAttempts": self.maximum_retry_attempts,
            "MaximumRecordAgeInSeconds": self.maximum_record_age_in_seconds,
            "ParallelizationFactor": self.parallelization_factor,
            "DestinationConfig": {"OnFailure": {"Destination": dead_letter_arn}},
        }


#: The mapping every environment uses.
MAPPING: Final = EventSourceMapping()

_NAME_FIELDS: Final = ("stage", "name_prefix", "stream_name")


def stream_name(environ: Mapping[str, str] | None = None) -> str:
    """The stream ``Settings().kinesis_stream`` names, from the name variables alone.

    Only ``STREAMFEED_STAGE``, ``STREAMFEED_NAME_PREFIX`` and
    ``STREAMFEED_STREAM_NAME`` are read (and validated), so a bad unrelated
    setting cannot break importing ``app.py``; it fails where it is used.
    """
    env = os.environ if environ is None else environ
    values = {name: env[env_name(name)] for name in _NAME_FIELDS if env.get(env_name(name))}
    try:
        checked = _NameSettings.model_validate(values)  # the real fields' patterns
    except ValidationError as exc:
        error = exc.errors()[0]
        name = env_name(str(error["loc"][0]))
        raise SettingsError(f"bad setting {name}: {error['msg']} (got {env[name]!r})") from None
    named = Settings.model_construct(**checked.model_dump(exclude_unset=True))
    return named.kinesis_stream


#: The name fields of ``Settings`` (same types, defaults and patterns), without the rest.
_NameSettings: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "_NameSettings",
    **{
        name: (Settings.model_fields[name].annotation, Settings.model_fields[name])
        for name in _NAME_FIELDS
    },
)
