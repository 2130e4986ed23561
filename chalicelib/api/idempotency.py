"""Idempotent writes: a POST retried with the same ``Idempotency-Key`` gets the first answer.

Feed writes and broadcasts are what a client retries after a timeout, and
without a key a retry whose first attempt did land adds the item a second
time. Powertools' Idempotency utility keeps one record per caller, operation
and key in the ``idempotency`` table: *in progress* while the handler runs
(until the Lambda's own deadline, so a killed invocation frees its key), then
the answer (status, headers, body) for 24 hours. The same key with another
path or body is refused (422) rather than answered with an unrelated result,
and a retry while the first attempt still runs is told to wait (409). Only a
success is kept: after an error answer, the same key runs the request again.

The key is hashed with the caller's id and the operation, so two callers (or
two operations) never share a record, whatever keys they pick.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from botocore.config import Config

from chalicelib.api.errors import ApiError, bad_request
from chalicelib.api.telemetry import logger
from chalicelib.core import aws
from chalicelib.core.lazy import ProcessCache
from chalicelib.core.resources import IDEMPOTENCY
from chalicelib.core.settings import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

HEADER: Final = "Idempotency-Key"
MAX_KEY_LENGTH: Final = 128
#: Printable ASCII, space included: what every HTTP stack carries unchanged.
KEY_PATTERN: Final = r"^[\x20-\x7E]{1,128}$"
EXPIRES_AFTER_SECONDS: Final = 24 * 3600
#: Marks an answer served from the record rather than by running the request.
REPLAYED_HEADER: Final = "Idempotent-Replayed"
#: How long a request may hold its key when no Lambda context tells its deadline
#: (the API function's timeout; API Gateway gives up after 29 s).
DEFAULT_DEADLINE_MS: Final = 30_000
_KEY: Final = re.compile(KEY_PATTERN)
_PREFIX: Final = "api"
# Its own client: Powertools registers a user-agent hook on the client it gets,
# which must not pile up on the client the rest of the app shares. Fail fast:
# the caller retries with the same key.
_CONFIG: Final = Config(
    connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"}
)
log = logger

#: What a handler's reply becomes once stored: JSON, so the record can hold it.
Answer = dict[str, Any]


def key_from(headers: Mapping[str, str]) -> str | None:
    """The request's key (None without the header), or a 400 naming the rule broken."""
    value = headers.get(HEADER)
    if value is None:
        return None
    if not _KEY.fullmatch(value):  # fullmatch: "$" alone would accept a final newline
        raise bad_request(
            "invalid_idempotency_key",
            f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable ASCII characters",
        )
    return value


def run_once(
    settings: Settings,
    request: dict[str, Any],
    run: Callable[[], Answer],
    lambda_context: Any = None,
) -> tuple[Answer, bool]:
    """``run()``'s answer, or the stored one for a repeat; and whether it was a replay.

    ``request`` holds ``caller``, ``operation`` and ``key`` (which name the
    record) and ``path`` and ``body`` (which a repeat must match).
    """
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    ran: list[bool] = []

    def handle(request: dict[str, Any]) -> Answer:
        del request  # hashed by Powertools; the work is already bound in ``run``
        ran.append(True)
        return run()

    config = IdempotencyConfig(
        event_key_jmespath="[caller, operation, key]",
        payload_validation_jmespath="[path, body]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        hash_function="sha256",
        lambda_context=_Deadline(lambda_context),  # type: ignore[arg-type]
    )
    once = idempotent_function(
        handle,
        data_keyword_argument="request",
        persistence_store=store_for(settings),
        config=config,
        key_prefix=_PREFIX,
    )
    try:
        answer: Answer = once(request=request)
    except Exception as exc:  # noqa: BLE001 - re-raised unless it is the utility's own
        raise _api_error(exc) from None
    return answer, not ran


def _api_error(exc: Exception) -> Exception:
    from aws_lambda_powertools.utilities.idempotency import exceptions as idem

    if isinstance(exc, idem.IdempotencyValidationError):
        return ApiError(
            422,
            "idempotency_key_reused",
            f"this {HEADER} came with a different request (another path or body) in the "
            "last 24 hours; send a new key for a new request",
        )
    if isinstance(exc, idem.IdempotencyAlreadyInProgressError):
        return ApiError(
            409,
            "idempotency_in_progress",
            f"a request with this {HEADER} is still running; retry in a moment for its answer",
            {"Retry-After": "1"},
        )
    if isinstance(exc, idem.BaseError):  # the store failed (or changed under us)
        log.warning("idempotency store failed: %s", type(exc.__cause__ or exc).__name__)
        return ApiError(
            503, "unavailable", f"the {HEADER} store did not answer; retry with the same key"
        )
    return exc  # the handler's own error: nothing was stored, a retry runs it again


class _Deadline:
    """How long the current request may hold its key: the Lambda's time left, bounded."""

    def __init__(self, lambda_context: Any) -> None:
        self._context = lambda_context

    def get_remaining_time_in_millis(self) -> int:
        remaining = getattr(self._context, "get_remaining_time_in_millis", None)
        if callable(remaining):
            value = remaining()
            if isinstance(value, int) and 0 <= value <= 15 * 60 * 1000:
                return value
        return DEFAULT_DEADLINE_MS


_STORES: ProcessCache[tuple[str, str, str | None], DynamoDBPersistenceLayer] = ProcessCache()


def store_for(settings: Settings) -> DynamoDBPersistenceLayer:
    """The stage's persistence layer: one per table and endpoint, built on first use."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    table = settings.table_name(IDEMPOTENCY.logical)

    def build() -> DynamoDBPersistenceLayer:
        return DynamoDBPersistenceLayer(
            table_name=table,
            key_attr=IDEMPOTENCY.hash_key.name,
            expiry_attr=IDEMPOTENCY.ttl_attribute or "expiration",
            boto3_client=aws.new_client(settings, "dynamodb", _CONFIG),
        )

    return _STORES.get((table, settings.region, settings.endpoint("dynamodb")), build)
