"""Reading IAM statements out of a template, naming their resources, and evaluating them."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from typing import Any

from infra.streamfeed_infra.access import VPC_ACCESS
from tests.infra.calls import ACCOUNT, REGION, Call

#: Services whose resources hold the project's data.
DATA_SERVICES = ("dynamodb", "kinesis", "sqs", "secretsmanager", "s3", "kms", "sns", "logs")
#: Actions AWS only allows on "*" (no resource-level permissions), and the network
#: interface actions Lambda needs on "*" for a function in a VPC (redis stages only).
STAR_ONLY = {
    "cloudwatch:GetMetricData",
    "cloudwatch:PutMetricData",
    "ecr:GetAuthorizationToken",
    *VPC_ACCESS,
}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(role logical id, statement) for every policy attached to a role in the template."""
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Policy":
            for role in as_list(props.get("Roles", [])):
                for statement in props["PolicyDocument"]["Statement"]:
                    yield role.get("Ref", str(role)), statement
        elif resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield logical, statement


# -- what a synthesized statement is about ------------------------------------------------------


def resource_name(template: dict[str, Any], resource: Any, prefix: str) -> str:
    """A statement's resource in the matrix's words (``table:terms``, ``queue``...).

    Tables are named by their logical name (the table name without ``prefix-``);
    anything this cannot name comes back as its JSON, so a comparison shows it.
    """
    resources = template["Resources"]
    if resource == "*":
        return "*"
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        target = resources.get(resource["Fn::GetAtt"][0], {})
        kind, props = target.get("Type"), target.get("Properties", {})
        if kind == "AWS::DynamoDB::Table":
            return f"table:{props['TableName'].removeprefix(prefix + '-')}"
        if kind == "AWS::Kinesis::Stream":
            return "stream"
        if kind == "AWS::SQS::Queue":
            return "queue"
        if kind == "AWS::Logs::LogGroup":
            return f"log-group:{props['LogGroupName']}"
    if isinstance(resource, dict) and "Fn::Join" in resource:
        parts = resource["Fn::Join"][1]
        if len(parts) == 2 and isinstance(parts[1], str) and parts[1].startswith("/index/"):
            table = resource_name(template, parts[0], prefix)
            return f"index:{table.removeprefix('table:')}/{parts[1].removeprefix('/index/')}"
        text = "".join(p if isinstance(p, str) else "" for p in parts)
        if text.endswith(f":secret:{prefix}/keysets/*"):
            return "keyset-secrets"
    if isinstance(resource, dict) and "Ref" in resource:
        kind = resources.get(resource["Ref"], {}).get("Type")
        if kind == "AWS::SecretsManager::Secret":
            return f"secret:{resource['Ref']}"
    return json.dumps(resource, sort_keys=True)


def role_grants(template: dict[str, Any], role: str, prefix: str) -> list[tuple[Any, ...]]:
    """The role's statements as sorted (resource, actions, condition JSON) tuples."""
    found = []
    for owner, statement in statements(template):
        if owner != role:
            continue
        assert statement["Effect"] == "Allow", statement
        actions = tuple(sorted(as_list(statement["Action"])))
        condition = json.dumps(statement.get("Condition"), sort_keys=True)
        for resource in as_list(statement["Resource"]):
            found.append((resource_name(template, resource, prefix), actions, condition))
    return sorted(found)


def table_actions(template: dict[str, Any], role: str, prefix: str) -> dict[str, set[str]]:
    """Table (or ``table/index``) -> the DynamoDB actions the role has on it, any condition."""
    found: dict[str, set[str]] = {}
    for resource, actions, _ in role_grants(template, role, prefix):
        if resource.startswith(("table:", "index:")):
            name = resource.split(":", 1)[1]
            found.setdefault(name, set()).update(a for a in actions if a.startswith("dynamodb:"))
    return found


# -- does a policy allow a recorded call? ---------------------------------------------------------


def call_arn(call: Call, settings: Any) -> str:
    """The ARN IAM checks for a recorded call (moto's account, the test region)."""
    kind, _, name = call.resource.partition(":")
    where = f"{REGION}:{ACCOUNT}"
    if kind == "table":
        return f"arn:aws:dynamodb:{where}:table/{settings.table_name(name)}"
    if kind == "index":
        table, index = name.split("/", 1)
        return f"arn:aws:dynamodb:{where}:table/{settings.table_name(table)}/index/{index}"
    if kind == "secret":
        return f"arn:aws:secretsmanager:{where}:secret:{name}-AbCdEf"
    if kind == "queue":
        return f"arn:aws:sqs:{where}:{name}"
    if kind == "stream":
        return f"arn:aws:kinesis:{where}:stream/{name}"
    return "*"


def allows(document: dict[str, Any], call: Call, arn: str) -> bool:
    """Whether an Allow statement of ``document`` covers the call (no Deny statements here)."""
    action = f"{call.service}:{call.action}"
    context: dict[str, list[str]] = {}
    for key, value in call.context:
        context.setdefault(key, []).append(value)
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        if not any(fnmatch.fnmatchcase(action, a) for a in as_list(statement["Action"])):
            continue
        if not any(_arn_matches(arn, r) for r in as_list(statement["Resource"])):
            continue
        if _conditions_hold(statement.get("Condition", {}), context):
            return True
    return False


def _arn_matches(arn: str, pattern: str) -> bool:
    return pattern == "*" or fnmatch.fnmatchcase(arn, pattern)


def _conditions_hold(condition: dict[str, dict[str, Any]], context: dict[str, list[str]]) -> bool:
    """IAM's evaluation for the operators the matrix uses; any other fails loudly."""
    for operator, tests in condition.items():
        for key, wanted in tests.items():
            allowed = [str(w).lower() for w in as_list(wanted)]
            values = [v.lower() for v in context.get(key, [])]
            if operator == "StringEquals":
                held = bool(values) and all(v in allowed for v in values)
            elif operator == "ForAllValues:StringEquals":
                held = all(v in allowed for v in values)
            elif operator == "Null":
                held = (not values) == (allowed == ["true"])
            elif operator == "NumericGreaterThanEquals":
                held = bool(values) and all(float(v) >= float(allowed[0]) for v in values)
            elif operator == "BoolIfExists":
                held = all(v == allowed[0] for v in values)
            else:
                raise AssertionError(f"the evaluator does not know {operator}")
            if not held:
                return False
    return True
