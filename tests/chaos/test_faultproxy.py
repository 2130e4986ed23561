"""The chaos fault proxy's DynamoDB throttling: what it drops must be exactly what it reports."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
import requests

from chaos.faultproxy import FaultProxy


class _Upstream(BaseHTTPRequestHandler):
    """Answers like DynamoDB and remembers what reached it; leaves ``t2`` entries unprocessed."""

    seen: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def do_POST(self) -> None:
        operation = self.headers["X-Amz-Target"].rpartition(".")[2]
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append((operation, request))
        items = request["RequestItems"]
        if operation == "BatchWriteItem":
            answer: dict[str, Any] = {
                "UnprocessedItems": {t: v for t, v in items.items() if t == "t2"}
            }
        else:
            answer = {
                "Responses": {t: s["Keys"] for t, s in items.items() if t != "t2"},
                "UnprocessedKeys": {t: s for t, s in items.items() if t == "t2"},
            }
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[FaultProxy]:
    _Upstream.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with FaultProxy("127.0.0.1", server.server_address[1]) as fault:
        fault.throttle(0.5)
        yield fault
    server.shutdown()


def _call(proxy: FaultProxy, operation: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = requests.post(
        proxy.url,
        data=json.dumps(body),
        headers={"X-Amz-Target": f"DynamoDB_20120810.{operation}"},
        timeout=10,
    )
    assert reply.status_code == 200
    result: dict[str, Any] = reply.json()
    return result


def test_batch_write_splits_every_item_once(proxy: FaultProxy) -> None:
    writes = {
        t: [{"PutRequest": {"Item": {"id": {"S": f"{t}-{i}"}}}} for i in range(40)]
        for t in ("t1", "t2")
    }
    answer = _call(proxy, "BatchWriteItem", {"RequestItems": writes})

    ((_, forwarded),) = _Upstream.seen
    left = answer["UnprocessedItems"]
    # t1: the proxy's share left, the rest forwarded; t2: upstream left all it got.
    assert 0 < len(left["t1"]) < 40
    assert sorted(map(json.dumps, left["t1"] + forwarded["RequestItems"]["t1"])) == sorted(
        map(json.dumps, writes["t1"])
    )
    assert sorted(map(json.dumps, left["t2"])) == sorted(map(json.dumps, writes["t2"]))
    dropped_by_proxy = 80 - sum(len(v) for v in forwarded["RequestItems"].values())
    assert proxy.stats["unprocessed items"] == dropped_by_proxy


def test_batch_get_keeps_projection_and_splits_every_key(proxy: FaultProxy) -> None:
    spec = {"ProjectionExpression": "id", "ConsistentRead": True}
    gets = {
        t: {**spec, "Keys": [{"id": {"S": f"{t}-{i}"}} for i in range(40)]} for t in ("t1", "t2")
    }
    answer = _call(proxy, "BatchGetItem", {"RequestItems": gets})

    ((_, forwarded),) = _Upstream.seen
    assert all(
        {k: v for k, v in s.items() if k != "Keys"} == spec
        for s in forwarded["RequestItems"].values()
    )
    left = answer["UnprocessedKeys"]
    assert {k: v for k, v in left["t1"].items() if k != "Keys"} == spec
    got = answer["Responses"]["t1"] + left["t1"]["Keys"]
    assert sorted(map(json.dumps, got)) == sorted(map(json.dumps, gets["t1"]["Keys"]))
    assert sorted(map(json.dumps, left["t2"]["Keys"])) == sorted(
        map(json.dumps, gets["t2"]["Keys"])
    )
    dropped_by_proxy = 80 - sum(len(s["Keys"]) for s in forwarded["RequestItems"].values())
    assert 0 < dropped_by_proxy < 80
    assert proxy.stats["unprocessed keys"] == dropped_by_proxy
