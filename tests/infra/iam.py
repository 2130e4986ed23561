"""Reading IAM statements out of a template, and what they grant on which table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infra.streamfeed_infra.access import VPC_ACCESS

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


def table_grants(template: dict[str, Any], role: str) -> dict[str, set[str]]:
    """Table name -> DynamoDB actions the role has on the table (and on its indexes)."""
    names = {
        k: r["Properties"]["TableName"]
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::DynamoDB::Table"
    }
    granted: dict[str, set[str]] = {}
    for owner, statement in statements(template):
        if owner != role:
            continue
        actions = {a for a in as_list(statement["Action"]) if a.startswith("dynamodb:")}
        for resource in as_list(statement["Resource"]):
            table = _table_of(resource, names)
            if actions and table is not None:
                granted.setdefault(table, set()).update(actions)
    return granted


def _table_of(resource: Any, names: dict[str, str]) -> str | None:
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        return names.get(resource["Fn::GetAtt"][0])
    if isinstance(resource, dict) and "Fn::Join" in resource:
        for part in resource["Fn::Join"][1]:
            found = _table_of(part, names)
            if found:
                return found
    if isinstance(resource, str) and ":table/" in resource:
        return resource.split(":table/", 1)[1].split("/", 1)[0]
    return None
