"""Create a key set the way the contract says: a secret plus a metadata row."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from chalicelib.core import aws
from chalicelib.core.keysets.values import hint_of
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings


def put_keyset(settings: Settings, name: str, bearer_token: str) -> None:
    secret_id = settings.secret_name(f"keysets/{name}")
    aws.client(settings, "secretsmanager").create_secret(
        Name=secret_id, SecretString=json.dumps({"bearer_token": bearer_token})
    )
    now = datetime.now(UTC)
    bind_models(settings).keysets(
        name, secret_id=secret_id, hint=hint_of(bearer_token), created_at=now, updated_at=now
    ).save()
