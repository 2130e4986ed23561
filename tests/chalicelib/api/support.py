"""Helpers shared by the API tests: example bodies, a stage per module, env for the CLI."""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from app import app
from chalicelib.api import runtime
from chalicelib.api.runtime import Runtime
from chalicelib.auth import read_signing_key
from chalicelib.core.models import bind_models
from chalicelib.core.settings import Settings, env_name
from tests.chalicelib.api.conftest import LOCAL_AUTH, Api, no_x
from tools.apiserver.server import ApiClient
from tools.localcloud import LocalCloud
from tools.localcloud.bootstrap import BootstrapReport, ensure_secrets, ensure_tables

#: A valid body for every operation that takes one.
BODIES: dict[str, Any] = {
    "createTerm": {"value": "#matrix lang:en"},
    "updateTerm": {"enabled": False},
    "createKeySet": {"name": "extra", "bearer_token": "AAAA-matrix-token-0001"},
    "replaceKeySet": {"bearer_token": "AAAA-matrix-token-0002"},
    "setDefaultKeySet": {"name": "main"},
    "addSubscription": {"value": "#matrix"},
    "addFeedItem": {"content": "hello"},
    "addFeedItems": {"user_ids": ["alice", "bob"], "content": "hello both"},
    "broadcast": {"content": "hello all"},
}


def new_stage(cloud: LocalCloud) -> Settings:
    settings = cloud.settings(name_prefix=f"t{uuid.uuid4().hex[:12]}")
    ensure_tables(settings, BootstrapReport())
    ensure_secrets(settings, BootstrapReport())
    return settings


@contextmanager
def api_on(settings: Settings) -> Iterator[Api]:
    runtime.install(Runtime.build(settings, LOCAL_AUTH, x_transport=no_x))
    try:
        with ApiClient(app) as client:
            yield Api(settings, client, read_signing_key(settings))
    finally:
        runtime.install(None)


def store_tweet(
    settings: Settings,
    tweet_id: str,
    term_id: str,
    when: datetime,
    text: str,
    *,
    also: Iterable[str] = (),
) -> None:
    """Write a tweet the way the consumer does: the tweet once, a timeline entry per term.

    The payload is the stream line X sent, ``matching_rules`` included (their
    tags are the term ids), so tests can check what a caller learns from it.
    """
    models = bind_models(settings)
    terms = sorted({term_id, *also})
    line = {
        "data": {"id": tweet_id, "text": text},
        "matching_rules": [{"id": f"rule-{term}", "tag": term} for term in terms],
    }
    models.tweets(
        tweet_id,
        created_at=when,
        author_id="42",
        author_username="someone",
        text=text,
        lang="en",
        term_ids=set(terms),
        payload=zlib.compress(json.dumps(line).encode()),
        stored_at=datetime.now(UTC),
    ).save()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for term in terms:
        models.term_tweets(term, sk=f"{stamp}#{tweet_id:0>19}", tweet_id=tweet_id).save()


def cli_env(settings: Settings) -> dict[str, str]:
    """The STREAMFEED_* variables that make the CLI talk to ``settings``' stage."""
    env: dict[str, str] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if value is not None:
            env[env_name(name)] = str(value).lower() if isinstance(value, bool) else str(value)
    return env
