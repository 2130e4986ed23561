"""Idempotent writes: ``Idempotency-Key`` on feed items and broadcasts.

A client that times out does not know whether its write landed. With a key,
its retry gets the first answer and adds nothing; the same key with another
request, or while the first still runs, is refused with a code saying which.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from chalicelib.api import idempotency
from chalicelib.core import aws
from chalicelib.core.resources import IDEMPOTENCY
from chalicelib.feeds import Feeds
from tests.chalicelib.api.conftest import Api, body_of

KEY = "3f1c2a7e-retry-me"


def _contents(api: Api, user: str) -> list[str]:
    page = body_of(api.as_admin("GET", f"/users/{user}/feed"))
    return [item["content"] for item in page["items"]]


def _post(api: Api, path: str, body: Any, key: str = KEY, token: str | None = None) -> Any:
    token = token or api.token("ingest", "service")
    return api.call("POST", path, token=token, body=body, headers={"Idempotency-Key": key})


def _records(api: Api) -> list[dict[str, Any]]:
    table = api.settings.table_name(IDEMPOTENCY.logical)
    found = aws.client(api.settings, "dynamodb").scan(TableName=table, ConsistentRead=True)
    return list(found["Items"])


WRITES = {
    "addFeedItem": ("/users/alice/feed", {"content": "once"}, ("alice",)),
    "addFeedItems": ("/feed-items", {"user_ids": ["alice", "bob"], "content": "once"},
                     ("alice", "bob")),
    "broadcast": ("/broadcasts", {"content": "once"}, ("alice", "bob")),
}  # fmt: skip


@pytest.mark.parametrize("op", sorted(WRITES))
def test_a_retry_after_a_lost_response_gets_the_first_answer_and_adds_nothing(
    api: Api, op: str
) -> None:
    path, body, readers = WRITES[op]
    for user in ("alice", "bob"):  # known users, so a broadcast reaches them
        api.as_admin("POST", f"/users/{user}/feed", body={"content": "before"})
    # The first attempt completes on the server; its answer never reaches the client
    # (a timeout, a dropped connection), which only knows it must try again.
    lost = _post(api, path, body)
    retried = _post(api, path, body)
    assert (retried.status_code, retried.body) == (lost.status_code, lost.body)
    assert lost.status_code == 201
    assert retried.headers[idempotency.REPLAYED_HEADER] == "true"
    assert idempotency.REPLAYED_HEADER not in lost.headers
    for user in readers:
        assert _contents(api, user) == ["once", "before"], user
    # Without the header, the same retry adds a second copy: what the key is for.
    api.call("POST", path, token=api.token("ingest", "service"), body=body)
    assert _contents(api, readers[0]) == ["once", "once", "before"]


def test_the_same_key_with_another_request_is_422(api: Api) -> None:
    first = _post(api, "/users/alice/feed", {"content": "first"})
    assert first.status_code == 201
    for path, body in (
        ("/users/alice/feed", {"content": "second"}),
        ("/users/alice/feed", {"content": "first", "created_at": "2024-05-01T12:00:00Z"}),
        ("/users/bob/feed", {"content": "first"}),
    ):
        reused = _post(api, path, body)
        assert (reused.status_code, body_of(reused)["error"]) == (422, "idempotency_key_reused")
        assert "Idempotency-Key" in body_of(reused)["message"]
    assert _contents(api, "alice") == ["first"]
    assert body_of(api.as_admin("GET", "/users/bob/feed"))["items"] == []


def test_keys_belong_to_one_caller_and_one_operation(api: Api) -> None:
    service, admin = api.token("ingest", "service"), api.token("root", "admin")
    mine = _post(api, "/users/alice/feed", {"content": "same"}, token=service)
    theirs = _post(api, "/users/alice/feed", {"content": "same"}, token=admin)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert body_of(mine)["id"] != body_of(theirs)["id"]
    many = _post(api, "/feed-items", {"user_ids": ["alice"], "content": "same"}, token=service)
    assert many.status_code == 201
    assert _contents(api, "alice") == ["same", "same", "same"]
    assert len(_records(api)) == 3


def test_a_retry_while_the_first_still_runs_is_409(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    original = Feeds.add_stream_item

    def slow(self: Feeds, *args: Any, **kwargs: Any) -> Any:
        entered.set()
        assert release.wait(10)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Feeds, "add_stream_item", slow)
    answers: list[Any] = []
    first = threading.Thread(
        target=lambda: answers.append(_post(api, "/users/alice/feed", {"content": "slow"}))
    )
    first.start()
    assert entered.wait(10)
    racing = _post(api, "/users/alice/feed", {"content": "slow"})
    release.set()
    first.join(10)
    assert (racing.status_code, body_of(racing)["error"]) == (409, "idempotency_in_progress")
    assert racing.headers["Retry-After"] == "1"
    assert answers[0].status_code == 201
    again = _post(api, "/users/alice/feed", {"content": "slow"})
    assert (again.status_code, again.body) == (201, answers[0].body)
    assert _contents(api, "alice") == ["slow"]


def test_a_record_names_no_key_and_expires_after_24_hours(api: Api) -> None:
    before = time.time()
    assert _post(api, "/users/alice/feed", {"content": "kept"}).status_code == 201
    (record,) = _records(api)
    assert record["status"] == {"S": "COMPLETED"}
    assert record["id"]["S"].startswith("api#") and KEY not in str(record)
    expires = int(record["expiration"]["N"])
    assert before + 24 * 3600 - 5 <= expires <= time.time() + 24 * 3600 + 5
    # While running, the key is held only until the invocation's own deadline.
    assert int(record["in_progress_expiration"]["N"]) <= (time.time() + 16 * 60) * 1000
    client = idempotency.store_for(api.settings).client
    assert client.meta.endpoint_url == api.settings.dynamodb_endpoint


@pytest.mark.parametrize(
    "key", ["", "k" * 129, "caf\u00e9", "tab\there", "new\nline"], ids=repr
)  # fmt: skip
def test_a_malformed_key_is_400_and_writes_nothing(api: Api, key: str) -> None:
    refused = _post(api, "/users/alice/feed", {"content": "no"}, key=key)
    assert (refused.status_code, body_of(refused)["error"]) == (400, "invalid_idempotency_key")
    assert body_of(api.as_admin("GET", "/users/alice/feed"))["items"] == []
    assert _records(api) == []


def test_the_longest_key_works_and_an_error_answer_is_not_kept(api: Api) -> None:
    key = "~ " + "k" * 125 + "!"  # spaces are printable ASCII too
    assert len(key) == 128
    too_big = _post(api, "/users/alice/feed", {"content": "\u00e9" * 9000}, key=key)
    assert too_big.status_code == 413  # 18 KB of UTF-8: refused by the feeds, not stored
    fixed = _post(api, "/users/alice/feed", {"content": "smaller"}, key=key)
    assert fixed.status_code == 201
    assert _contents(api, "alice") == ["smaller"]


def test_an_item_id_is_idempotent_only_with_created_at(api: Api) -> None:
    service = api.token("ingest", "service")
    timed = {"content": "x", "item_id": "job-7", "created_at": "2024-05-01T12:00:00Z"}
    for _ in range(2):
        assert api.call("POST", "/users/alice/feed", token=service, body=timed).status_code == 201
    assert _contents(api, "alice") == ["x"]
    untimed = {"content": "y", "item_id": "job-8"}
    for _ in range(2):
        answer = api.call("POST", "/users/bob/feed", token=service, body=untimed)
        assert body_of(answer)["id"] == "job-8"
    assert _contents(api, "bob") == ["y", "y"]  # now, twice: two rows (hence the header)
    stolen = api.call("POST", "/users/bob/feed", token=service,
                      body={"content": "z", "item_id": "tweet:1"})  # fmt: skip
    assert (stolen.status_code, body_of(stolen)["error"]) == (400, "validation_error")
