"""Serve the API on this machine the way API Gateway answers it in AWS.

Chalice's simulator (``chalice.local``, also behind ``chalice.test.Client``)
runs our built-in authorizer, but answers the requests API Gateway itself
refuses in its own shapes: ``{"message":"Unauthorized"}`` without an
``Authorization`` header, ``{"message": "Missing Authentication Token"}`` for a
path it does not route, a 405 from the app for a method the path lacks. In AWS
the GatewayResponses of :mod:`infra.streamfeed_infra.gatewayresponses` turn those into the API's
``{"error", "message"}`` shape. :class:`ApiGateway` renders the same
definitions, so ``streamfeed api``, the tests and AWS all answer alike.

Local development only: this imports ``chalice.local``, which the Lambda
package does not ship, so nothing that runs in Lambda may import it.
"""

from __future__ import annotations

import importlib
import socket
import sys
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Final

from chalice.app import Chalice
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    ForbiddenError,
    HeaderType,
    InvalidAuthorizerError,
    LocalChalice,
    LocalGateway,
    LocalGatewayException,
    NotAuthorizedError,
    ResponseType,
    RouteMatcher,
    ThreadedHTTPServer,
)
from chalice.test import Client, TestHTTPClient

from chalicelib.api.telemetry import logger
from infra.streamfeed_infra.gatewayresponses import answer

log = logger
#: API Gateway's payload limit (REST APIs): larger requests never reach the Lambda.
MAX_REQUEST_BYTES: Final = 10 * 1024 * 1024


class GatewayError(LocalGatewayException):
    """A gateway response, rendered from the deployed definitions."""

    def __init__(self, kind: str, status: int | None = None) -> None:
        rendered = answer(kind, status)
        super().__init__(dict(rendered.headers), rendered.body)
        self.CODE = rendered.status
        self.kind = kind


class ApiGateway(LocalGateway):
    """Chalice's LocalGateway, answering API Gateway's own refusals in our shape."""

    def __init__(self, app_object: Chalice, config: Config) -> None:
        super().__init__(app_object, config)
        self._routes = app_object.routes
        self._matcher = RouteMatcher(list(app_object.routes))

    def handle_request(
        self, method: str, path: str, headers: HeaderType, body: bytes | None
    ) -> ResponseType:
        if body is not None and len(body) > MAX_REQUEST_BYTES:
            raise GatewayError("REQUEST_TOO_LARGE")
        if not self._routed(method, path):
            # API Gateway: 403 "Missing Authentication Token" for an unknown path or
            # a method the resource lacks, with or without a token.
            raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
        try:
            return super().handle_request(method, path, headers, body)
        except NotAuthorizedError:  # no Authorization header: the authorizer never ran
            raise GatewayError("UNAUTHORIZED") from None
        except ForbiddenError:  # the authorizer's policy does not allow this route
            raise GatewayError("ACCESS_DENIED") from None
        except InvalidAuthorizerError:
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR") from None

    def _routed(self, method: str, path: str) -> bool:
        try:
            resource = self._matcher.match_route(path).route
        except ValueError:
            return False
        methods = self._routes[resource]
        if method in methods:
            return True
        # Preflight: API Gateway answers OPTIONS itself only where CORS is on.
        return method == "OPTIONS" and any(m.cors for m in methods.values())


class ApiRequestHandler(ChaliceRequestHandler):
    """HTTP in and out of :class:`ApiGateway`; protocol errors in the same shape."""

    def __init__(
        self,
        request: Any,
        client_address: tuple[str, int],
        server: Any,
        app_object: Chalice,
        config: Config,
    ) -> None:
        # ChaliceRequestHandler.__init__ builds a plain LocalGateway, and the base
        # class handles the request inside __init__, so set ours first.
        self.local_gateway = ApiGateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def _checked_handle(self) -> None:
        refusal = self._framing_refusal()
        if refusal is not None:
            self.close_connection = True  # the body was not read: the stream is unusable
            self._send_error_response(refusal)
            return
        self._generic_handle()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _checked_handle

    def _framing_refusal(self) -> GatewayError | None:
        """Refuse a bad or too large Content-Length before reading the body."""
        length = self.headers.get("content-length", "0")
        if not length.strip().isdigit():
            return GatewayError("DEFAULT_4XX", 400)
        if int(length) > MAX_REQUEST_BYTES:
            return GatewayError("REQUEST_TOO_LARGE")
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, unknown verb) as JSON, not HTML."""
        rendered = answer("DEFAULT_5XX" if code >= 500 else "DEFAULT_4XX", code)
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, message)
        for name, value in rendered.headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(rendered.body)))
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(rendered.body)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


class ApiHttpClient(TestHTTPClient):
    """Chalice's test HTTP client on :class:`ApiGateway`."""

    def __init__(self, app: Chalice, config: Config) -> None:
        super().__init__(app, config)
        self._local_gateway = ApiGateway(app, config)


class ApiClient(Client):
    """``chalice.test.Client`` whose HTTP requests meet API Gateway's answers."""

    @property
    def http(self) -> TestHTTPClient:
        if self._http_client is None:
            self._http_client = ApiHttpClient(self._app, self._chalice_config)
        return self._http_client


class LocalServerError(Exception):
    """The project, its stage or its app cannot be loaded."""


def chalice_config(project_dir: Path, stage: str) -> Config:
    """The stage's Chalice config (``.chalice/config.json``), as ``chalice local`` reads it."""
    factory = CLIFactory(str(project_dir))
    try:
        stages = factory.load_project_config().get("stages", {})
    except (OSError, ValueError) as exc:
        raise LocalServerError(f"no Chalice project in {project_dir}: {exc}") from None
    if stage not in stages:
        known = ", ".join(sorted(stages)) or "none"
        raise LocalServerError(f"no Chalice stage {stage!r} (known: {known})")
    return factory.create_config_obj(chalice_stage_name=stage)


def load_app(project_dir: Path) -> Chalice:
    """``app.app`` from ``project_dir``; import it after the environment is final."""
    root = str(project_dir)
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module("app")
    except Exception as exc:  # any import failure is the app's problem
        raise LocalServerError(f"importing app.py from {root} failed: {exc}") from exc
    app = getattr(module, "app", None)
    if not isinstance(app, Chalice):
        raise LocalServerError(f"{root}/app.py has no Chalice object named app")
    return app


def thread_safe(app: Chalice) -> Chalice:
    """Give each server thread its own ``current_request``, as ``chalice local`` does."""
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, type(app))
        app.__class__ = CustomLocalChalice
    return app


class ApiServer:
    """A threaded HTTP server for one Chalice app; port 0 picks a free port."""

    def __init__(self, app: Chalice, config: Config, host: str, port: int) -> None:
        handler: Callable[..., ApiRequestHandler] = partial(
            ApiRequestHandler, app_object=thread_safe(app), config=config
        )
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server_class = type("Server", (ThreadedHTTPServer,), {"address_family": family})
        self.httpd = server_class((host, port), handler)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def close(self) -> None:
        self.httpd.server_close()
