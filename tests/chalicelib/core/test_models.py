"""Every model writes and reads back through dynalite, on its bound table."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.core.models import Models, bind_models
from chalicelib.core.settings import Settings
from tests.conftest import unique_prefix
from tools.localcloud import LocalCloud
from tools.localcloud.bootstrap import BootstrapReport, ensure_tables

NOW = datetime(2026, 11, 22, 12, 30, 45, 123456, tzinfo=UTC)


def _samples(m: Models) -> dict[str, Callable[[], Model]]:
    return {
        "terms": lambda: m.terms(
            "t1",
            value="#aws lang:en",
            tag="t1",
            created_at=NOW,
            updated_at=NOW,
            sync_state="active",
            x_rule_id="1234",
        ),
        "keysets": lambda: m.keysets(
            "main", secret_id="p/keysets/main", hint="abcd", created_at=NOW, updated_at=NOW
        ),
        "tweets": lambda: m.tweets(
            "1850000000000000001",
            created_at=NOW,
            author_id="42",
            text="héllo 🦄 مرحبا",
            lang="en",
            term_ids={"t1", "t2"},
            retweet_of="1849",
            stored_at=NOW,
            payload=zlib.compress(b'{"data":{"id":"1850000000000000001"}}'),
        ),
        "term_tweets": lambda: m.term_tweets("t1", sk="20261122T123045#1850", tweet_id="1850"),
        "subscriptions": lambda: m.subscriptions("alice", term_id="t1", created_at=NOW),
        "users": lambda: m.users("alice", created_at=NOW),
        "control": lambda: m.control(
            "lease",
            sk="stream",
            data={"holder": "host-1", "n": [1, 2]},
            updated_at=NOW,
        ),
        "feed_items": lambda: m.feed_items("alice", sk="00001#i1", content="<b>☃</b>"),
        "feed_messages": lambda: m.feed_messages("i1", content="hello", created_at=NOW),
        "feed_index": lambda: m.feed_index("alice", sk="00001#i1"),
        "feed_counters": lambda: m.feed_counters(
            "alice", feed="fanout", item_count=3, recent_ids=["i1"]
        ),
    }


@pytest.mark.parametrize("name", list(_samples(bind_models(Settings())).keys()))
def test_model_round_trip(stage: Settings, name: str) -> None:
    models = bind_models(stage)
    item = _samples(models)[name]()
    item.save()
    model = type(item)
    hash_key = getattr(item, model._hash_keyname)
    range_key = getattr(item, model._range_keyname) if model._range_keyname else None
    loaded = model.get(hash_key, range_key, consistent_read=True)
    assert _sets_sorted(loaded.serialize()) == _sets_sorted(item.serialize())
    assert model.Meta.table_name.startswith(f"{stage.prefix}-")


def _sets_sorted(item: dict[str, Any]) -> dict[str, Any]:
    """Set attributes in a fixed order: a set's list order follows string hashing, which
    differs from run to run (PYTHONHASHSEED), and the store may return it in another."""
    return {
        name: {kind: sorted(value) if kind in ("SS", "NS", "BS") else value}
        for name, attribute in item.items()
        for kind, value in attribute.items()
    }


def test_every_model_is_covered() -> None:
    models = bind_models(Settings())
    assert set(_samples(models)) == set(Models.__dataclass_fields__)


def test_subscribers_of_a_term_via_index(stage: Settings) -> None:
    subs = bind_models(stage).subscriptions
    for user, term in [("alice", "t1"), ("bob", "t1"), ("bob", "t2"), ("carol", "t3")]:
        subs(user, term_id=term, created_at=NOW).save()
    assert sorted(s.user_id for s in subs.by_term.query("t1")) == ["alice", "bob"]
    assert sorted(s.term_id for s in subs.query("bob")) == ["t1", "t2"]


def test_control_record_optimistic_version(stage: Settings) -> None:
    control = bind_models(stage).control
    record = control("lease", sk="stream", data={"holder": "a"}, updated_at=NOW)
    record.save(condition=control.pk.does_not_exist())
    stale = control.get("lease", "stream")
    record.update(actions=[control.version.add(1)], condition=control.version == 0)
    with pytest.raises(PutError):
        stale.data = {"holder": "b"}
        stale.save(condition=control.version == stale.version)  # someone else moved on
    assert control.get("lease", "stream", consistent_read=True).data == {"holder": "a"}


def test_two_stages_do_not_share_data(local_cloud: LocalCloud, stage: Settings) -> None:
    other = local_cloud.settings(name_prefix=unique_prefix())
    ensure_tables(other, BootstrapReport())
    bind_models(stage).users("alice", created_at=NOW).save()
    assert [u.user_id for u in bind_models(other).users.scan()] == []
    assert [u.user_id for u in bind_models(stage).users.scan()] == ["alice"]
