"""An HTTP proxy in front of an AWS emulator that can vanish or throttle.

Processes of the composition reach Kinesis or DynamoDB through it (their
endpoint setting points here), so faults are real network behaviour, seen by
the real clients in other processes:

* ``down()`` refuses new connections and cuts open ones (the service is
  unreachable); ``up()`` brings it back on the same port.
* ``throttle(share)`` makes the service answer the way AWS does under load:
  Kinesis ``PutRecords`` refuses ``share`` of the records with
  ``ProvisionedThroughputExceededException`` (a partial failure);
  DynamoDB ``BatchWriteItem`` leaves ``share`` of the writes in
  ``UnprocessedItems``, ``BatchGetItem`` leaves ``share`` of the keys in
  ``UnprocessedKeys``, and other DynamoDB calls fail whole with HTTP 400
  ``ProvisionedThroughputExceededException`` ``share`` of the time.

Only what is forwarded reaches the emulator, exactly as a throttled service
stores only what it accepted. HTTP/1.1 with keep-alive, one upstream
connection per client connection.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import socket
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

THROTTLED: Final = "ProvisionedThroughputExceededException"
#: An HTTP answer: status, headers, body.
Reply = tuple[int, list[tuple[str, str]], bytes]
_HOP: Final = {"connection", "keep-alive", "transfer-encoding", "content-length", "x-amz-crc32"}


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, seed: int = 7) -> None:
        self.target = (target_host, target_port)
        self.share = 0.0
        self.stats: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._listener: socket.socket | None = None
        self._port = 0
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def is_up(self) -> bool:
        return self._listener is not None

    def __enter__(self) -> FaultProxy:
        self.up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    # -- switches ----------------------------------------------------------
    def up(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self._port))
        self._port = listener.getsockname()[1]
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        """Refuse new connections and cut the open ones."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()

    def throttle(self, share: float) -> None:
        """Refuse ``share`` (0..1) of the work from now on; 0 stops throttling."""
        self.share = max(0.0, min(1.0, share))

    # -- serving -----------------------------------------------------------
    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self._conns.add(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = http.client.HTTPConnection(*self.target, timeout=60)
        reader = client.makefile("rb")
        try:
            while True:
                request = _read_request(reader)
                if request is None:
                    return
                method, path, headers, body = request
                status, reply_headers, reply = self._handle(upstream, method, path, headers, body)
                client.sendall(_response(status, reply_headers, reply))
        except (OSError, http.client.HTTPException, ValueError):
            return
        finally:
            upstream.close()
            with self._lock:
                self._conns.discard(client)
            with contextlib.suppress(OSError):
                client.close()

    def _handle(
        self,
        upstream: http.client.HTTPConnection,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        target = headers.get("x-amz-target", "")
        operation = target.rpartition(".")[2]
        share = self.share
        if share and operation:
            self.stats[f"calls:{operation}"] += 1
            if operation == "PutRecords":
                return self._put_records(upstream, method, path, headers, body, share)
            if operation == "BatchWriteItem":
                return self._batch(upstream, method, path, headers, body, share, _WRITES)
            if operation == "BatchGetItem":
                return self._batch(upstream, method, path, headers, body, share, _GETS)
            if target.startswith("DynamoDB") and self._rng.random() < share:
                self.stats["throttled calls"] += 1
                error = {
                    "__type": f"com.amazonaws.dynamodb.v20120810#{THROTTLED}",
                    "message": "The level of configured provisioned throughput was exceeded",
                }
                return _json(400, error)
        return _forward(upstream, method, path, headers, body)

    def _put_records(
        self,
        upstream: Any,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        share: float,
    ) -> Reply:
        request = json.loads(body)
        records = request["Records"]
        refused = {i for i in range(len(records)) if self._rng.random() < share}
        kept = [r for i, r in enumerate(records) if i not in refused]
        results: list[dict[str, Any]] = []
        if kept:
            status, reply_headers, reply = _forward(
                upstream, method, path, headers, json.dumps({**request, "Records": kept}).encode()
            )
            if status != 200:
                return status, reply_headers, reply
            results = json.loads(reply)["Records"]
        answers = iter(results)
        out = []
        for i in range(len(records)):
            if i in refused:
                out.append({"ErrorCode": THROTTLED, "ErrorMessage": "Rate exceeded for shard"})
            else:
                out.append(next(answers))
        self.stats["refused records"] += len(refused)
        failed = sum(1 for r in out if "ErrorCode" in r)
        return _json(200, {"FailedRecordCount": failed, "Records": out})

    def _batch(
        self,
        upstream: Any,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        share: float,
        shape: _BatchShape,
    ) -> Reply:
        """Leave ``share`` of a batch's entries unprocessed, as DynamoDB does when throttled."""
        request = json.loads(body)
        kept: dict[str, Any] = {}
        left: dict[str, Any] = {}
        for table, value in request["RequestItems"].items():
            for entry in shape.entries(value):
                side = left if self._rng.random() < share else kept
                shape.entries(side.setdefault(table, shape.empty(value))).append(entry)
        self.stats[shape.stat] += sum(len(shape.entries(v)) for v in left.values())
        reply: dict[str, Any] = {**shape.reply, shape.unprocessed: left}
        if kept:
            status, reply_headers, raw = _forward(
                upstream,
                method,
                path,
                headers,
                json.dumps({**request, "RequestItems": kept}).encode(),
            )
            if status != 200:
                return status, reply_headers, raw
            answer = json.loads(raw)
            for table, value in answer.get(shape.unprocessed, {}).items():
                shape.entries(left.setdefault(table, shape.empty(value))).extend(
                    shape.entries(value)
                )
            reply = {**answer, shape.unprocessed: left}
        return _json(200, reply)


@dataclass(frozen=True)
class _BatchShape:
    """Where a batch operation keeps its entries, per table, in request and reply."""

    unprocessed: str
    stat: str
    entries: Callable[[Any], list[Any]]
    empty: Callable[[Any], Any]
    reply: dict[str, Any] = field(default_factory=dict)


#: BatchWriteItem: ``{table: [write, ...]}``.
_WRITES: Final = _BatchShape("UnprocessedItems", "unprocessed items", lambda v: v, lambda v: [])
#: BatchGetItem: ``{table: {"Keys": [key, ...], ...projection}}``.
_GETS: Final = _BatchShape(
    "UnprocessedKeys",
    "unprocessed keys",
    lambda v: v["Keys"],
    lambda v: {**v, "Keys": []},
    {"Responses": {}},
)


def _read_request(reader: Any) -> tuple[str, str, dict[str, str], bytes] | None:
    line = reader.readline(65537)
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while True:
        raw = reader.readline(65537)
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = reader.read(length) if length else b""
    return method, path, headers, body


def _forward(
    upstream: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
) -> tuple[int, list[tuple[str, str]], bytes]:
    sent = {k: v for k, v in headers.items() if k not in _HOP}
    for attempt in (1, 2):
        try:
            upstream.request(method, path, body=body, headers=sent)
            response = upstream.getresponse()
            data = response.read()
            return response.status, response.getheaders(), data
        except (OSError, http.client.HTTPException):
            upstream.close()  # a stale keep-alive connection: reconnect once
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _json(status: int, obj: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "application/x-amz-json-1.0")], json.dumps(obj).encode()


def _response(status: int, headers: list[tuple[str, str]], body: bytes) -> bytes:
    reason = http.client.responses.get(status, "")
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP]
    lines += [f"Content-Length: {len(body)}", f"x-amz-crc32: {zlib.crc32(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
