"""``GET/POST /2/tweets/search/stream/rules``: the documented bodies and status codes."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import tweepy

from streamer.redirect import redirect_client
from tests.tools.fakex.support import auth
from tools.fakex import FakeX

PROBLEMS = "https://api.twitter.com/2/problems/"


def post(fake: FakeX, body: Any, **params: str) -> requests.Response:
    return requests.post(
        fake.url + "/2/tweets/search/stream/rules",
        json=body,
        params=params,
        headers=auth(fake),
        timeout=10,
    )


def get(fake: FakeX, **params: str) -> requests.Response:
    return requests.get(
        fake.url + "/2/tweets/search/stream/rules", params=params, headers=auth(fake), timeout=10
    )


def add(fake: FakeX, *rules: dict[str, str], **params: str) -> requests.Response:
    return post(fake, {"add": list(rules)}, **params)


def test_add_answers_201_with_the_created_rules(fake: FakeX) -> None:
    response = add(fake, {"value": "cat has:links", "tag": "cats"}, {"value": "dog"})
    assert response.status_code == 201
    assert response.headers["x-rate-limit-limit"] == "450"
    body = response.json()
    assert [(r["value"], r.get("tag")) for r in body["data"]] == [
        ("cat has:links", "cats"),
        ("dog", None),
    ]
    assert all(r["id"].isdigit() for r in body["data"])
    assert list(body["data"][0]) == ["value", "tag", "id"]  # X's order
    assert body["meta"]["summary"] == {"created": 2, "not_created": 0, "valid": 2, "invalid": 0}
    assert body["meta"]["sent"].endswith("Z")
    assert "errors" not in body


def test_get_lists_rules_and_filters_by_ids(fake: FakeX) -> None:
    created = add(fake, {"value": "cat", "tag": "cats"}, {"value": "dog"}).json()["data"]
    listed = get(fake).json()
    assert listed["data"] == [
        {"id": created[0]["id"], "value": "cat", "tag": "cats"},
        {"id": created[1]["id"], "value": "dog"},  # no tag: no "tag" key
    ]
    assert listed["meta"]["result_count"] == 2
    one = get(fake, ids=f"{created[1]['id']},123").json()
    assert one["data"] == [{"id": created[1]["id"], "value": "dog"}]
    assert one["meta"]["result_count"] == 1


def test_no_rules_lists_only_meta(fake: FakeX) -> None:
    body = get(fake).json()
    assert set(body) == {"meta"}
    assert body["meta"]["result_count"] == 0


def test_duplicates_are_refused_one_by_one(fake: FakeX) -> None:
    cat_id = add(fake, {"value": "cat"}).json()["data"][0]["id"]
    response = add(fake, {"value": "cat", "tag": "again"}, {"value": "dog"})
    assert response.status_code == 201
    body = response.json()
    assert [r["value"] for r in body["data"]] == ["dog"]
    assert body["errors"] == [
        {
            "value": "cat",
            "id": cat_id,
            "title": "DuplicateRule",
            "type": PROBLEMS + "duplicate-rules",
        }
    ]
    assert body["meta"]["summary"] == {"created": 1, "not_created": 1, "valid": 1, "invalid": 1}


def test_invalid_syntax_rejects_the_whole_request(fake: FakeX) -> None:
    response = add(fake, {"value": "cat"}, {"value": "-dog"}, {"value": "(bird"})
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert body["meta"]["summary"] == {"created": 0, "not_created": 3, "valid": 1, "invalid": 2}
    assert body["errors"] == [
        {
            "value": "-dog",
            "details": [
                "Rules must contain a non-negation term (at position 1)",
                "Rules must contain at least one positive, non-stopword clause (at position 1)",
            ],
            "title": "UnprocessableEntity",
            "type": PROBLEMS + "invalid-rules",
        },
        {
            "value": "(bird",
            "details": ["Unbalanced parentheses: '(' is never closed (at position 1)"],
            "title": "UnprocessableEntity",
            "type": PROBLEMS + "invalid-rules",
        },
    ]
    assert get(fake).json()["meta"]["result_count"] == 0


def test_values_over_1024_characters_are_invalid(fake: FakeX) -> None:
    longest = ("ab " * 342)[:1024]
    assert add(fake, {"value": longest}).status_code == 201
    too_long = longest + "c"
    body = add(fake, {"value": too_long}).json()
    assert body["errors"] == [
        {
            "value": too_long,
            "details": ["Rule length exceeds the maximum of 1024 characters"],
            "title": "UnprocessableEntity",
            "type": PROBLEMS + "invalid-rules",
        }
    ]


def test_dry_run_validates_without_changing_anything(fake: FakeX) -> None:
    body = add(fake, {"value": "cat"}, dry_run="true").json()
    assert body["meta"]["summary"]["created"] == 1
    assert body["data"][0]["value"] == "cat"
    assert get(fake).json()["meta"]["result_count"] == 0
    rule_id = add(fake, {"value": "cat"}).json()["data"][0]["id"]
    deleted = post(fake, {"delete": {"ids": [rule_id]}}, dry_run="true").json()
    assert deleted["meta"]["summary"] == {"deleted": 1, "not_deleted": 0}
    assert get(fake).json()["meta"]["result_count"] == 1


def test_delete_by_ids_and_values(fake: FakeX) -> None:
    created = add(fake, {"value": "cat"}, {"value": "dog"}, {"value": "bird"}).json()["data"]
    response = post(fake, {"delete": {"ids": [created[0]["id"]]}})
    assert response.status_code == 200
    assert set(response.json()) == {"meta"}
    assert response.json()["meta"]["summary"] == {"deleted": 1, "not_deleted": 0}
    by_value = post(fake, {"delete": {"values": ["dog"]}}).json()
    assert by_value["meta"]["summary"] == {"deleted": 1, "not_deleted": 0}
    assert [r["value"] for r in get(fake).json()["data"]] == ["bird"]


def test_deleting_unknown_ids_reports_each(fake: FakeX) -> None:
    body = post(fake, {"delete": {"ids": ["1234"]}}).json()
    assert body["meta"]["summary"] == {"deleted": 0, "not_deleted": 1}
    assert body["errors"] == [
        {
            "errors": [{"parameters": {"ids": ["1234"]}, "message": "Rule does not exist"}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": PROBLEMS + "invalid-request",
        }
    ]


def test_delete_all(fake: FakeX) -> None:
    add(fake, {"value": "cat"}, {"value": "dog"})
    body = post(fake, None, delete_all="true").json()
    assert body["meta"]["summary"] == {"deleted": 2, "not_deleted": 0}
    assert get(fake).json()["meta"]["result_count"] == 0


def test_the_rule_cap_is_1000() -> None:
    with FakeX(rate=0) as fake:
        batch = [{"value": f"word{i}"} for i in range(1000)]
        created = add(fake, *batch).json()
        assert created["meta"]["summary"]["created"] == 1000
        # A duplicate does not count against the cap; a new rule does.
        assert add(fake, {"value": "word7"}).status_code == 201
        response = add(fake, {"value": "one too many"})
        assert response.status_code == 400
        assert response.json() == {
            "title": "RulesCapExceeded",
            "detail": "Rule creation would exceed the maximum of 1000 rules for this stream.",
            "type": PROBLEMS + "rule-cap",
        }
        assert get(fake).json()["meta"]["result_count"] == 1000


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "x"}])
def test_a_wrong_bearer_token_is_401(fake: FakeX, headers: dict[str, str]) -> None:
    url = fake.url + "/2/tweets/search/stream/rules"
    for response in (
        requests.get(url, headers=headers, timeout=10),
        requests.post(url, json={"add": [{"value": "cat"}]}, headers=headers, timeout=10),
    ):
        assert response.status_code == 401
        assert response.json() == {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        }
    assert fake.rules() == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"add": [{"value": "cat"}], "delete": {"ids": ["1"]}}',
        b'{"add": []}',
        b'{"add": [{"tag": "no value"}]}',
        b'{"delete": {"ids": []}}',
    ],
)
def test_malformed_bodies_are_400_invalid_request(fake: FakeX, body: bytes) -> None:
    response = requests.post(
        fake.url + "/2/tweets/search/stream/rules", data=body, headers=auth(fake), timeout=10
    )
    assert response.status_code == 400
    assert response.json()["title"] == "Invalid Request"
    assert response.json()["type"] == PROBLEMS + "invalid-request"


def test_stock_tweepy_manages_rules_through_the_redirect(fake: FakeX) -> None:
    client = redirect_client(tweepy.StreamingClient(fake.bearer_token), fake.url)
    added = client.add_rules([tweepy.StreamRule("cat", tag="cats"), tweepy.StreamRule("dog")])
    assert [(rule.value, rule.tag) for rule in added.data] == [("cat", "cats"), ("dog", None)]
    assert added.meta["summary"]["created"] == 2
    dry = client.add_rules(tweepy.StreamRule("bird"), dry_run=True)
    assert dry.meta["summary"]["created"] == 1
    listed = client.get_rules()
    assert [rule.value for rule in listed.data] == ["cat", "dog"]
    deleted = client.delete_rules([rule.id for rule in listed.data])
    assert deleted.meta["summary"] == {"deleted": 2, "not_deleted": 0}
    assert client.get_rules().data is None
    with pytest.raises(tweepy.Unauthorized):
        redirect_client(tweepy.StreamingClient("wrong"), fake.url).get_rules()
