"""The access matrix against the calls the code really makes, in both directions.

One module-wide run records every AWS call of each component's code under
moto (``tests/infra/calls.py``): the API's routes through its authorizer, the
consumer's handler on real batches, the streamer's loop against the fake X
server. Then:

- every recorded call is allowed by the component's rendered policy, with its
  conditions evaluated (partition keys, the recovery window, the namespace);
- every action the matrix grants was called by that component's code, on that
  resource, unless ``NOT_RECORDED`` says why the recording cannot reach it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from chalicelib.api import idempotency
from chalicelib.core.settings import Settings
from infra.streamfeed_infra.access import MATRIX, STREAM_READ, Component, Grant, policy_document
from tests.infra import calls
from tests.infra.calls import ACCOUNT, Call
from tests.infra.iam import allows, call_arn

pytestmark = pytest.mark.timeout(300)

#: (component, action, resource) the recording does not reach, and why it is granted anyway.
NOT_RECORDED: Final[dict[tuple[str, str, str], str]] = {
    **{
        ("consumer", action, "stream"): "Lambda's event source mapping polls the stream "
        "with the function's role; the function's code never calls Kinesis"
        for action in STREAM_READ
    },
    ("api", "dynamodb:GetItem", "table:feed-counters"): "FeedCounters._count_group re-reads "
    "the counted ids only after a concurrent writer made its conditional update fail",
    ("consumer", "dynamodb:GetItem", "table:terms"): "TermSpans._settle re-reads a term "
    "only after a concurrent writer changed its spans first",
    ("api", "dynamodb:GetItem", "table:idempotency"): "Powertools reads a record only when "
    "DynamoDB refuses its conditional put without returning the item; with "
    "ReturnValuesOnConditionCheckFailure (AWS and moto) the refusal carries it",
}


@dataclass
class Recorded:
    settings: Settings
    calls: dict[str, set[Call]]

    def of(self, component: str) -> set[Call]:
        return self.calls.get(component, set())


@pytest.fixture(scope="module")
def recorded() -> Iterator[Recorded]:
    from moto import mock_aws

    from chalicelib.core import aws
    from chalicelib.core.models.binding import bind_models

    with mock_aws(), tempfile.TemporaryDirectory() as scratch:
        aws.close_clients()
        bind_models.cache_clear()
        idempotency._STORES.clear()  # persistence layers hold clients of an earlier run
        settings = Settings(
            stage="dev",
            region=calls.REGION,
            name_prefix=None,
            stream_name=None,
            dlq_name=None,
            metrics_namespace="streamfeed",
            feed_backend="fanout",
            # Small enough that the scenarios reach trims and hot terms.
            hot_term_subscribers=2,
            feed_max_length=3,
            local_dir=scratch,
        )
        calls.create_resources(settings)
        recorder = calls.new_recorder(settings)
        try:
            with calls.recording(recorder):
                with calls.api_session(settings, recorder) as api:
                    hot, cold = calls.api_writes(api)
                calls.run_consumer(settings, recorder, hot, cold)
                with calls.api_session(settings, recorder) as api:
                    calls.api_reads(api, hot)
                calls.run_authorizer(recorder)
                calls.run_streamer(settings, recorder, Path(scratch) / "streamer")
        finally:
            aws.close_clients()
            bind_models.cache_clear()
        yield Recorded(settings, recorder.calls)


def _grants() -> Iterator[Any]:
    for component, access in MATRIX.items():
        for grant in access.for_backend("fanout"):
            for action in grant.actions:
                yield pytest.param(component, grant, action, id=f"{component}-{grant.on}-{action}")


@pytest.mark.parametrize("component", sorted(MATRIX))
def test_every_call_is_allowed_by_the_policy(recorded: Recorded, component: Component) -> None:
    document = policy_document(component, recorded.settings, ACCOUNT)
    refused = [
        call
        for call in sorted(recorded.of(component))
        if not allows(document, call, call_arn(call, recorded.settings))
    ]
    assert refused == []


def test_the_recording_reached_every_component(recorded: Recorded) -> None:
    assert {"api", "consumer", "streamer"} <= set(recorded.calls)
    assert recorded.of("authorizer") == set(), "the authorizer must make no AWS call"


@pytest.mark.parametrize(("component", "grant", "action"), list(_grants()))
def test_every_granted_action_is_called(
    recorded: Recorded, component: str, grant: Grant, action: str
) -> None:
    service, name = action.split(":", 1)
    made = [
        call
        for call in recorded.of(component)
        if (call.service, call.action) == (service, name)
        and _on(call, recorded.settings) == grant.on
    ]
    reason = NOT_RECORDED.get((component, action, grant.on))
    if reason is None:
        assert made, f"{component} is granted {action} on {grant.on} but never called it"
    else:
        assert not made, f"{action} on {grant.on} is recorded now: drop it from NOT_RECORDED"


def test_scans_are_granted_exactly_where_the_code_scans(recorded: Recorded) -> None:
    """No Scan on a table the code only gets or queries."""
    granted = {
        (component, grant.on)
        for component, access in MATRIX.items()
        for grant in access.grants
        if "dynamodb:Scan" in grant.actions
    }
    scanned = {
        (component, call.resource)
        for component, made in recorded.calls.items()
        for call in made
        if (call.service, call.action) == ("dynamodb", "Scan")
    }
    assert granted == scanned
    assert granted == {
        ("api", "table:terms"),  # GET /terms and /status (at most 1,000), hot terms
        ("api", "table:keysets"),  # GET /keysets (at most 100), the default
        ("api", "table:users"),  # a broadcast's recipients
        ("streamer", "table:terms"),
        ("streamer", "table:keysets"),
    }


def test_control_writes_stay_in_each_components_partitions(recorded: Recorded) -> None:
    """The API writes only the default key set and broadcast jobs in the control table."""
    written: dict[str, set[str]] = {}
    for component, made in recorded.calls.items():
        for call in made:
            if call.resource == "table:control" and call.action != "GetItem":
                keys = {value for key, value in call.context if key == "dynamodb:LeadingKeys"}
                written.setdefault(component, set()).update(keys)
    stream = recorded.settings.kinesis_stream
    assert written == {
        "api": {"config", "feeds-broadcast"},
        "consumer": {f"attempts#{stream}", "consumer-totals"},
        "streamer": {"streamer"},
    }


def test_key_set_secrets_are_deleted_with_a_recovery_window(recorded: Recorded) -> None:
    deletes = [c for c in recorded.of("api") if c.action == "DeleteSecret"]
    assert deletes
    for call in deletes:
        assert dict(call.context) == {"secretsmanager:RecoveryWindowInDays": "7"}
        forced = Call(
            call.service,
            call.action,
            call.resource,
            (("secretsmanager:ForceDeleteWithoutRecovery", "true"),),
        )
        document = policy_document("api", recorded.settings, ACCOUNT)
        arn = call_arn(call, recorded.settings)
        assert allows(document, call, arn)
        assert not allows(document, forced, arn)
        assert not allows(document, Call(call.service, call.action, call.resource), arn)


def _on(call: Call, settings: Settings) -> str:
    """The matrix's name for a recorded call's resource."""
    kind, _, name = call.resource.partition(":")
    if kind in ("table", "index"):
        return call.resource
    if kind == "secret":
        return "keyset-secrets" if "/keysets/" in name else call.resource
    if kind == "queue" and name == settings.dead_letter_queue:
        return "queue"
    if kind == "stream" and name == settings.kinesis_stream:
        return "stream"
    if call.service == "cloudwatch":
        return "metrics"
    return call.resource
