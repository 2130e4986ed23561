"""Least privilege in the synthesized stacks and the `chalice deploy` policies.

Each role holds exactly its row of the access matrix (one test per grant),
nothing on data by wildcard, no Scan where the code only gets or queries, no
control-table write outside the component's partitions, and no DeleteSecret
without a recovery window. ``test_calls.py`` checks the matrix itself against
the calls the code makes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core import resources
from infra.streamfeed_infra.access import MATRIX, MIN_RECOVERY_DAYS, VPC_ACCESS, Component, Grant
from infra.streamfeed_infra.chalicefiles import CHALICE_DIR, policy_files
from infra.streamfeed_infra.config import stage_config
from tests.infra.conftest import REDIS_MODE, Build
from tests.infra.iam import (
    DATA_SERVICES,
    STAR_ONLY,
    as_list,
    role_grants,
    statements,
    table_actions,
)
from tests.infra.support import Synthesized

# The first test builds everything (chalice package, four synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)

ROLES: dict[Component, str] = {
    "api": "ApiApiRole",
    "consumer": "ApiConsumerRole",
    "authorizer": "ApiAuthorizerRole",
    "streamer": "StreamerTaskTaskRole",
}
#: The synthesized stacks with every role, and the feed backend each deploys.
STACKS = {"dev": "fanout", "prod": "fanout", REDIS_MODE: "redis"}
#: The log group each Lambda role writes (``api.ChaliceApp._function``).
LOG_GROUPS = {"api": "api", "consumer": "consumer", "authorizer": "api"}
VPC_ACTIONS = tuple(sorted(VPC_ACCESS))


def _templates(build: Build) -> dict[str, dict[str, Any]]:
    found = {name: s.translated for name, s in build.stacks.items()}
    found["chalice package prod"] = build.packaged.translated
    return found


def _own_secrets(template: dict[str, Any]) -> list[dict[str, str]]:
    """References to the secrets the stack itself creates (the feed cache's credentials)."""
    return [
        {"Ref": logical}
        for logical, resource in template["Resources"].items()
        if resource["Type"] == "AWS::SecretsManager::Secret"
    ]


def _policy_file_statements() -> list[tuple[str, dict[str, Any]]]:
    return [
        (file, statement)
        for stage in ("dev", "prod")
        for file in policy_files(stage).values()
        for statement in json.loads((CHALICE_DIR / file).read_text())["Statement"]
    ]


def _check_statement(
    where: str, statement: dict[str, Any], own_secrets: list[dict[str, str]] | None = None
) -> None:
    actions = as_list(statement["Action"])
    assert "*" not in actions, where
    assert not [a for a in actions if a.endswith(":*")], (where, actions)
    if "*" in as_list(statement.get("Resource", [])):
        assert set(actions) <= STAR_ONLY, (where, actions)
        if "cloudwatch:PutMetricData" in actions:
            assert statement["Condition"] == {
                "StringEquals": {"cloudwatch:namespace": "streamfeed"}
            }
    for action in actions:
        if action.startswith("cognito-idp:"):
            # The console callback's one call; test_hosted_signin.py checks on what.
            assert action == "cognito-idp:UpdateUserPoolClient", (where, action)
            continue
        assert action.split(":")[0] in (*DATA_SERVICES, "cloudwatch", "ecr", "ec2"), (where, action)
    if any(a.startswith("secretsmanager:") for a in actions):
        # Only the stage's key-set secrets or a secret of the stack, never the whole service.
        for resource in as_list(statement["Resource"]):
            mine = resource in (own_secrets or [])
            assert mine or "/keysets/*" in json.dumps(resource), (where, resource)


def test_no_wildcard_action_or_resource_on_data(build: Build) -> None:
    checked = 0
    for name, template in _templates(build).items():
        for role, statement in statements(template):
            assert statement["Effect"] == "Allow"
            _check_statement(f"{name}/{role}", statement, _own_secrets(template))
            checked += 1
    for file, statement in _policy_file_statements():
        _check_statement(file, statement)
        checked += 1
    assert checked > 40


def _role_id(stack: Synthesized, prefix: str) -> str:
    roles = [k for k in stack.resources("AWS::IAM::Role", translated=False) if k.startswith(prefix)]
    assert len(roles) == 1, roles
    return roles[0]


def _expected(grant: Grant, stage: str) -> tuple[Any, ...]:
    """A matrix grant as ``role_grants`` reads it from a template."""
    condition = grant.condition(stage_config(stage).settings)
    resource = "*" if grant.on == "metrics" else grant.on
    return (resource, grant.actions, json.dumps(condition, sort_keys=True))


def _grant_params() -> list[Any]:
    found = []
    for name, backend in STACKS.items():
        for component, access in MATRIX.items():
            for grant in access.for_backend(backend):
                short = "+".join(a.split(":")[1] for a in grant.actions)
                ident = f"{name}-{component}-{grant.on}-{short}"
                found.append(pytest.param(name, component, grant, id=ident))
    return found


@pytest.mark.parametrize(("name", "component", "grant"), _grant_params())
def test_each_grant_is_a_statement_of_its_role(
    stacks: dict[str, Synthesized], name: str, component: Component, grant: Grant
) -> None:
    """The grant's actions, resource and condition, exactly as the matrix says."""
    stack = stacks[name]
    role = _role_id(stack, ROLES[component])
    held = role_grants(stack.template, role, f"streamfeed-{stack.stage}")
    assert _expected(grant, stack.stage) in held


@pytest.mark.parametrize("name", sorted(STACKS))
@pytest.mark.parametrize("component", sorted(ROLES))
def test_each_role_holds_nothing_else(
    stacks: dict[str, Synthesized], name: str, component: Component
) -> None:
    stack = stacks[name]
    prefix = f"streamfeed-{stack.stage}"
    held = role_grants(stack.template, _role_id(stack, ROLES[component]), prefix)
    expected = [_expected(g, stack.stage) for g in MATRIX[component].for_backend(STACKS[name])]
    rest = list(held)
    for grant in expected:
        rest.remove(grant)
    if component in LOG_GROUPS:
        group = f"log-group:/streamfeed/{prefix}/{LOG_GROUPS[component]}"
        rest.remove((group, ("logs:CreateLogStream", "logs:PutLogEvents"), "null"))
    if STACKS[name] == "redis" and MATRIX[component].feed_cache:
        # The cache's secret and the VPC actions: test_cache.py checks those.
        rest = [g for g in rest if not g[0].startswith("secret:") and g[1] != VPC_ACTIONS]
    assert rest == []


@pytest.mark.parametrize("name", sorted(STACKS))
def test_scan_only_where_the_code_scans(stacks: dict[str, Synthesized], name: str) -> None:
    """Terms, key sets (both bounded) and users (a broadcast's pages): nothing else is scanned."""
    stack = stacks[name]
    scanned = {
        component: {
            table
            for table, actions in table_actions(
                stack.template, _role_id(stack, role), f"streamfeed-{stack.stage}"
            ).items()
            if "dynamodb:Scan" in actions
        }
        for component, role in ROLES.items()
    }
    assert scanned == {
        "api": {"terms", "keysets", "users"},
        "consumer": set(),
        "authorizer": set(),
        "streamer": {"terms", "keysets"},
    }


@pytest.mark.parametrize("name", sorted(STACKS))
def test_control_table_writes_only_in_each_roles_partitions(
    stacks: dict[str, Synthesized], name: str
) -> None:
    """The API cannot touch the lease, status, checkpoints or attempt counters."""
    stack = stacks[name]
    prefix = f"streamfeed-{stack.stage}"
    stream = stage_config(stack.stage).settings.kinesis_stream
    allowed = {
        "api": {"config", "feeds-broadcast"},
        "consumer": {f"attempts#{stream}", "consumer-totals"},
        "streamer": {"streamer"},
    }
    for component, role in ROLES.items():
        for resource, actions, condition in role_grants(
            stack.template, _role_id(stack, role), prefix
        ):
            if resource != "table:control":
                continue
            writes = set(actions) - {"dynamodb:GetItem", "dynamodb:Query"}
            if not writes:
                continue
            parsed = json.loads(condition)
            assert parsed["Null"] == {"dynamodb:LeadingKeys": "false"}, component
            keys = set(parsed["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"])
            assert keys <= allowed[component], (component, keys)


def test_delete_secret_only_with_a_recovery_window(build: Build) -> None:
    found = 0
    everywhere = [
        (f"{name}/{role}", statement)
        for name, template in _templates(build).items()
        for role, statement in statements(template)
    ] + _policy_file_statements()
    for where, statement in everywhere:
        if "secretsmanager:DeleteSecret" in as_list(statement["Action"]):
            found += 1
            assert as_list(statement["Action"]) == ["secretsmanager:DeleteSecret"], where
            assert statement["Condition"] == {
                "NumericGreaterThanEquals": {
                    "secretsmanager:RecoveryWindowInDays": str(MIN_RECOVERY_DAYS)
                },
                "BoolIfExists": {"secretsmanager:ForceDeleteWithoutRecovery": "false"},
            }, where
    # The dev and prod API roles, chalice package's API role, the two API policy files.
    assert found == 6


def test_the_recovery_window_is_the_one_the_code_asks_for() -> None:
    from chalicelib.core.keysets.store import RECOVERY_DAYS

    assert RECOVERY_DAYS >= MIN_RECOVERY_DAYS >= 7


def test_feed_tables_only_for_the_stages_backend(stacks: dict[str, Synthesized]) -> None:
    """Fanout stages have no grant on the shared backend's tables; redis stages on none."""
    feed_tables = {"feeds", "feed-counters", "feed-messages", "feed-index"}
    for name, backend in STACKS.items():
        stack = stacks[name]
        for component, role in ROLES.items():
            granted = set(
                table_actions(stack.template, _role_id(stack, role), f"streamfeed-{stack.stage}")
            )
            expected = {"feeds", "feed-counters"} if component in ("api", "consumer") else set()
            if backend == "redis":
                expected = set()
            assert granted & feed_tables == expected, (name, component)


def test_only_the_api_uses_the_idempotency_table(stacks: dict[str, Synthesized]) -> None:
    """Powertools' four calls, for the API alone (its idempotent writes)."""
    for name in STACKS:
        stack = stacks[name]
        granted = {
            component: table_actions(
                stack.template, _role_id(stack, role), f"streamfeed-{stack.stage}"
            ).get("idempotency", set())
            for component, role in ROLES.items()
        }
        assert granted == {
            "api": {
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
            },
            "consumer": set(),
            "authorizer": set(),
            "streamer": set(),
        }, name


def test_only_the_api_and_consumer_touch_feeds_and_only_the_consumer_writes_tweets() -> None:
    """The matrix itself: the consumer is the only writer of tweets and timelines."""
    for component, access in MATRIX.items():
        for logical in ("tweets", "term-tweets"):
            level = access.tables.get(logical)
            assert level in (None, "read") or component == "consumer", (component, logical)
    assert MATRIX["authorizer"].grants == ()
    assert MATRIX["streamer"].keyset_secrets == "read"
    assert MATRIX["api"].keyset_secrets == "manage"
    assert {t.logical for t in resources.TABLES} >= set(MATRIX["api"].tables)


def test_stream_access_is_split_between_writer_and_reader(stack: Synthesized) -> None:
    kinds: dict[str, set[str]] = {}
    for role, statement in statements(stack.template):
        actions = [a for a in as_list(statement["Action"]) if a.startswith("kinesis:")]
        kinds.setdefault(role, set()).update(actions)
    streamer = kinds[_role_id(stack, ROLES["streamer"])]
    consumer = kinds[_role_id(stack, ROLES["consumer"])]
    assert streamer == {"kinesis:PutRecords"}
    assert "kinesis:GetRecords" in consumer and "kinesis:PutRecords" not in consumer
    assert not kinds[_role_id(stack, ROLES["api"])]
