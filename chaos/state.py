"""A fingerprint of everything a stage holds, to prove a request changed nothing.

Every table of the stage is scanned (strongly consistent) and hashed, and
every secret's current value is hashed too. Two equal snapshots mean no row
and no secret was added, changed or removed in between.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from chalicelib.core import aws, resources
from chalicelib.core.settings import Settings


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, str]
    rows: dict[str, int]
    secrets: dict[str, str]

    def diff(self, other: Snapshot) -> list[str]:
        """What differs, by table or secret name (empty: nothing changed)."""
        changed = [
            f"table {name}: {self.rows.get(name)} -> {other.rows.get(name)} rows"
            for name in sorted(set(self.tables) | set(other.tables))
            if self.tables.get(name) != other.tables.get(name)
        ]
        changed += [
            f"secret {name}"
            for name in sorted(set(self.secrets) | set(other.secrets))
            if self.secrets.get(name) != other.secrets.get(name)
        ]
        return changed


def snapshot(settings: Settings) -> Snapshot:
    dynamodb = aws.client(settings, "dynamodb")
    tables: dict[str, str] = {}
    rows: dict[str, int] = {}
    for spec in resources.TABLES:
        name = settings.table_name(spec.logical)
        items = _scan(dynamodb, name)
        digest = hashlib.sha256()
        for item in sorted(json.dumps(i, sort_keys=True, default=str) for i in items):
            digest.update(item.encode())
        tables[name] = digest.hexdigest()
        rows[name] = len(items)
    return Snapshot(tables, rows, _secrets(settings))


def _scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        try:
            page = dynamodb.scan(**request)
        except dynamodb.exceptions.ResourceNotFoundException:
            return []
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _secrets(settings: Settings) -> dict[str, str]:
    manager = aws.client(settings, "secretsmanager")
    prefix = settings.secret_name("")
    out: dict[str, str] = {}
    paginator = manager.get_paginator("list_secrets")
    for page in paginator.paginate():
        for secret in page.get("SecretList", []):
            name = str(secret["Name"])
            if not name.startswith(prefix):
                continue
            try:
                value = manager.get_secret_value(SecretId=name).get("SecretString", "")
            except manager.exceptions.ResourceNotFoundException:
                value = "<gone>"
            except manager.exceptions.InvalidRequestException:
                value = "<scheduled for deletion>"
            out[name] = hashlib.sha256(str(value).encode()).hexdigest()
    return out
