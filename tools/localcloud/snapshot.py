"""Keep moto's Secrets Manager and SSM data across restarts.

moto server holds state in memory only, while dynalite and kinesis-mock persist
to disk. Key sets' secrets must survive a restart like the rest of the data,
so the local cloud saves them to a JSON file periodically and on stop, and
restores them on start before anything reads them.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from chalicelib.core.aws import client
from chalicelib.core.settings import Settings


def save(settings: Settings, path: Path) -> int:
    """Write every secret and parameter to ``path``; returns how many."""
    manager = client(settings, "secretsmanager")
    saved_secrets: list[dict[str, Any]] = []
    for page in manager.get_paginator("list_secrets").paginate():
        for entry in page.get("SecretList", []):
            value = manager.get_secret_value(SecretId=entry["ARN"])
            record: dict[str, Any] = {
                "Name": entry["Name"],
                "Description": entry.get("Description", ""),
            }
            if "SecretString" in value:
                record["SecretString"] = value["SecretString"]
            else:
                record["SecretBinary"] = base64.b64encode(value["SecretBinary"]).decode()
            saved_secrets.append(record)
    ssm = client(settings, "ssm")
    parameters: list[dict[str, Any]] = []
    paginator = ssm.get_paginator("get_parameters_by_path")
    for result in paginator.paginate(Path="/", Recursive=True, WithDecryption=True):
        for parameter in result.get("Parameters", []):
            parameters.append(
                {k: parameter[k] for k in ("Name", "Type", "Value") if k in parameter}
            )
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"secrets": saved_secrets, "parameters": parameters}, indent=1))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return len(saved_secrets) + len(parameters)


def restore(settings: Settings, path: Path) -> int:
    """Recreate what ``save`` wrote (missing entries only); returns how many."""
    if not path.is_file():
        return 0
    state = json.loads(path.read_text())
    manager = client(settings, "secretsmanager")
    restored = 0
    for record in state.get("secrets", []):
        kwargs: dict[str, Any] = {"Name": record["Name"], "Description": record["Description"]}
        if "SecretString" in record:
            kwargs["SecretString"] = record["SecretString"]
        else:
            kwargs["SecretBinary"] = base64.b64decode(record["SecretBinary"])
        try:
            manager.create_secret(**kwargs)
            restored += 1
        except manager.exceptions.ResourceExistsException:
            continue
    ssm = client(settings, "ssm")
    for parameter in state.get("parameters", []):
        ssm.put_parameter(
            Name=parameter["Name"],
            Type=parameter["Type"],
            Value=parameter["Value"],
            Overwrite=True,
        )
        restored += 1
    return restored
