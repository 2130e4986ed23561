"""SIGTERM's ``Stopped`` gets out of whatever the main thread was doing."""

from __future__ import annotations

import os
import signal
import socket
import socketserver

import pytest

from tools.stopsignal import Stopped, sigterm_raises


class Interrupted(socketserver.TCPServer):
    """A server whose main thread takes SIGTERM while it hands a request over."""

    def process_request(self, request: object, client_address: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)


def test_sigterm_while_serving_a_request_stops_the_server() -> None:
    # socketserver catches Exception around a request (handle_error) and serves on:
    # Stopped must not be one, or a SIGTERM at that moment is lost (the fake X hung).
    with Interrupted(("127.0.0.1", 0), socketserver.BaseRequestHandler) as server:
        client = socket.create_connection(server.server_address[:2])
        try:
            with sigterm_raises(), pytest.raises(Stopped):
                server._handle_request_noblock()  # what serve_forever does per request
        finally:
            client.close()
