"""HTTP adapter: X's v2 endpoints and the ``/_fake`` control API over one engine.

A stdlib ``ThreadingHTTPServer`` speaking HTTP/1.1: JSON endpoints answer with
``Content-Length`` and keep the connection alive; streams answer with chunked
transfer encoding, one chunk per batch of lines, and close the connection when
they end. Endpoints:

* ``GET /2/tweets/search/stream``, ``GET /2/tweets/sample/stream``
* ``GET|POST /2/tweets/search/stream/rules``
* ``GET|POST|DELETE /_fake/faults``, ``GET /_fake/ledger``, ``GET /_fake/state``
  (no auth: a test's side channel, never part of X's API)
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs

import orjson

from tools.fakex import problems
from tools.fakex.engine import Engine, StreamName
from tools.fakex.faults import fault_from_json
from tools.fakex.fields import STREAM_PARAMETERS, InvalidParameters, parse_selection
from tools.fakex.stream import StreamSession

log = logging.getLogger(__name__)

#: A client that does not read for this long is cut off (X calls it a slow reader).
SEND_TIMEOUT: Final = 30.0
_STREAMS: Final[dict[str, StreamName]] = {
    "/2/tweets/search/stream": "filtered",
    "/2/tweets/sample/stream": "sample",
}
_RULES = "/2/tweets/search/stream/rules"


class FakeXServer(ThreadingHTTPServer):
    """The fake X API on a loopback port; ``url`` is its base URL."""

    daemon_threads = True

    def __init__(self, engine: Engine, host: str = "127.0.0.1", port: int = 0) -> None:
        self.engine = engine
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving (call from another thread than ``serve_forever``)."""
        self.engine.stopping.set()
        self.shutdown()
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client vanishing mid-response is routine for a stream server.
        log.debug("error serving %s", client_address, exc_info=True)


class _ChunkedTransport:
    """Chunked-encoding writes and peer-close detection on the raw socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        sock.settimeout(SEND_TIMEOUT)

    def send(self, data: bytes) -> None:
        self.sock.sendall(b"%X\r\n%b\r\n" % (len(data), data))

    def wait(self, timeout: float) -> bool:
        try:
            readable, _, _ = select.select([self.sock], [], [], timeout)
            # Readable with no data means the peer closed; stray bytes are ignored.
            return bool(readable) and not self.sock.recv(4096)
        except OSError:
            return True

    def finish(self) -> None:
        self.sock.sendall(b"0\r\n\r\n")

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeXServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        path, _, query = self.path.partition("?")
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        body = self._body()
        if path in _STREAMS and method == "GET":
            self._stream(_STREAMS[path], params)
        elif path == _RULES and method in ("GET", "POST"):
            self._rules(method, params, body)
        elif path.startswith("/_fake/"):
            self._control(method, path, params, body)
        elif path in _STREAMS or path == _RULES:
            self._json(405, problems.http_status(405))
        else:
            self._json(404, problems.not_found())

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _json(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = orjson.dumps(body)
        self.send_response(status)
        kind = "application/problem+json" if status >= 400 else "application/json; charset=utf-8"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        expected = f"Bearer {self.server.engine.config.bearer_token}"
        if self.headers.get("Authorization") == expected:
            return True
        self._json(401, problems.unauthorized())
        return False

    def _stream(self, stream: StreamName, params: dict[str, str]) -> None:
        engine = self.server.engine
        if not self._authorized():
            return
        try:
            selection = parse_selection(params, STREAM_PARAMETERS)
            backfill = _backfill_minutes(params.get("backfill_minutes", "0"))
        except InvalidParameters as exc:
            self._json(400, problems.invalid_request(exc.errors))
            return
        status = engine.faults.take_connect_error()
        if status is not None:
            engine.count_attempt()
            self._json(
                status,
                problems.http_status(status),
                engine.rate_limit("stream", exhausted=status == 429),
            )
            return
        if stream == "filtered" and not engine.rules.current.rules:
            engine.count_attempt()
            self._json(409, problems.no_rules(), engine.rate_limit("stream"))
            return
        connection = engine.open_stream(stream)
        if connection is None:
            self._json(429, problems.too_many_connections(), engine.rate_limit("stream"))
            return
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            for name, value in engine.rate_limit("stream").items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.flush()
            transport = _ChunkedTransport(self.connection)
            session = StreamSession(
                engine,
                stream,
                selection=selection,
                connection=connection,
                transport=transport,
                backfill_minutes=backfill,
            )
            how = session.run()
            log.debug("stream connection %d ended: %s", connection, how)
        finally:
            engine.close_stream(stream)

    def _rules(self, method: str, params: dict[str, str], body: bytes) -> None:
        engine = self.server.engine
        if not self._authorized():
            return
        headers = engine.rate_limit("rules")
        allowed = (
            {"ids", "max_results", "pagination_token"}
            if method == "GET"
            else {"dry_run", "delete_all"}
        )
        try:
            unknown = sorted(set(params) - allowed)
            if unknown:
                name = unknown[0]
                message = f"The query parameter [{name}] is not one of {sorted(allowed)}"
                raise InvalidParameters(
                    [{"parameters": {name: [params[name]]}, "message": message}]
                )
            if method == "GET":
                ids = [i for i in params["ids"].split(",") if i] if "ids" in params else None
                if ids is not None and not all(i.isdigit() for i in ids):
                    raise InvalidParameters(
                        [{"parameters": {"ids": [params["ids"]]}, "message": "ids must be numeric"}]
                    )
                status, answer = engine.rules.get(ids)
            else:
                dry_run = _flag(params, "dry_run")
                delete_all = _flag(params, "delete_all")
                payload = _parse_json(body) if body else None
                status, answer = engine.rules.post(payload, dry_run=dry_run, delete_all=delete_all)
        except InvalidParameters as exc:
            status, answer = 400, problems.invalid_request(exc.errors)
        self._json(status, answer, headers)

    def _control(self, method: str, path: str, params: dict[str, str], body: bytes) -> None:
        engine = self.server.engine
        sent = len(engine.ledger)
        if path == "/_fake/faults" and method == "GET":
            self._json(200, {"faults": engine.faults.pending(sent)})
        elif path == "/_fake/faults" and method in ("POST", "DELETE"):
            try:
                payload = _parse_json(body) if method == "POST" else {"faults": []}
                items = payload.get("faults") if isinstance(payload, dict) else None
                if not isinstance(items, list):
                    raise ValueError('body must be {"faults": [...]}')
                engine.faults.set([fault_from_json(item) for item in items], sent)
            except ValueError as exc:  # InvalidParameters included
                self._json(400, {"error": str(exc)})
                return
            self._json(200, {"faults": engine.faults.pending(sent)})
        elif path == "/_fake/ledger" and method == "GET":
            try:
                offset = int(params.get("offset") or 0)
                limit = int(params["limit"]) if params.get("limit") else None
            except ValueError:
                self._json(400, {"error": "offset and limit must be integers"})
                return
            entries = engine.ledger.entries(offset, limit)
            self._json(200, {"count": len(engine.ledger), "entries": entries})
        elif path == "/_fake/state" and method == "GET":
            self._json(200, engine.state())
        else:
            self._json(404, problems.not_found())


def _backfill_minutes(raw: str) -> int:
    if not raw.isdigit() or not 0 <= int(raw) <= 5:
        raise InvalidParameters(
            [
                {
                    "parameters": {"backfill_minutes": [raw]},
                    "message": f"The `backfill_minutes` query parameter value [{raw}] is not "
                    "between 0 and 5",
                }
            ]
        )
    return int(raw)


def _flag(params: dict[str, str], name: str) -> bool:
    raw = params.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise InvalidParameters(
            [{"parameters": {name: [params[name]]}, "message": f"{name} must be true or false"}]
        )
    return raw == "true"


def _parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidParameters([{"message": "Request body is not valid JSON"}]) from None
