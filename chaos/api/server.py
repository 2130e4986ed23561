"""The app served over HTTP by Chalice's local server, in a thread of this process.

The same server ``chalice local`` runs (``LocalDevServer``: a threaded HTTP
server, the built-in authorizer, thread-local requests); running it in process
lets a scenario switch the runtime (local or Cognito verifier) between cases.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalDevServer

from app import app


class _QuietHandler(ChaliceRequestHandler):
    """Chalice's handler without one access-log line per request on stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def local_server() -> Iterator[str]:
    """Serve the app on a free loopback port; yields its base URL."""
    server = LocalDevServer(app, Config.create(), "127.0.0.1", 0, handler_cls=_QuietHandler)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True, name="api")
    thread.start()
    try:
        host, port = server.server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server.server_close()
        thread.join(10)
