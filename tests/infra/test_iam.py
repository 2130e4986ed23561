"""Least privilege: no wildcard on data, and each role holds exactly its matrix row."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core import resources
from infra.streamfeed_infra.access import MATRIX, Component, table_actions
from infra.streamfeed_infra.chalicefiles import CHALICE_DIR, policy_files
from tests.infra.conftest import Build
from tests.infra.iam import DATA_SERVICES, STAR_ONLY, as_list, statements, table_grants
from tests.infra.support import Synthesized

# The first test builds everything (chalice package, four synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)

ROLES: dict[Component, str] = {
    "api": "ApiApiRole",
    "consumer": "ApiConsumerRole",
    "authorizer": "ApiAuthorizerRole",
    "streamer": "StreamerTaskTaskRole",
}


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
    for stage in ("dev", "prod"):
        for file in policy_files(stage).values():
            for statement in json.loads((CHALICE_DIR / file).read_text())["Statement"]:
                _check_statement(file, statement)
                checked += 1
    assert checked > 40


def _role_id(stack: Synthesized, prefix: str) -> str:
    roles = [k for k in stack.resources("AWS::IAM::Role", translated=False) if k.startswith(prefix)]
    assert len(roles) == 1, roles
    return roles[0]


@pytest.mark.parametrize("component", sorted(ROLES))
def test_each_role_has_exactly_its_tables(stack: Synthesized, component: Component) -> None:
    granted = table_grants(stack.template, _role_id(stack, ROLES[component]))
    expected = {
        f"streamfeed-{stack.stage}-{logical}": set(table_actions(level))
        for logical, level in MATRIX[component].tables.items()
    }
    assert granted == expected


def test_only_the_api_and_consumer_touch_feeds_and_only_the_consumer_writes_tweets() -> None:
    """The matrix itself: the consumer is the only writer of tweets and timelines."""
    for component, access in MATRIX.items():
        for logical in ("tweets", "term-tweets"):
            level = access.tables.get(logical)
            assert level in (None, "read") or component == "consumer", (component, logical)
    assert MATRIX["authorizer"].tables == {}
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
    assert "kinesis:PutRecords" in streamer and "kinesis:GetRecords" not in streamer
    assert "kinesis:GetRecords" in consumer and "kinesis:PutRecords" not in consumer
    assert not kinds[_role_id(stack, ROLES["api"])]
