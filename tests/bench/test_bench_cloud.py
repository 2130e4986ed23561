"""The local cloud's dynalite survives a client that dies in the middle of a request.

dynalite 4.0.0 rethrows a request's socket error, which ended the server when a
benchmark stopped a consumer during a write (``make bench-quick`` lost figure 5
and the scaling figure to it). The local cloud starts it with a guard.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import boto3
import pytest

from tools.localcloud import servers
from tools.localcloud.cloud import PROJECT_ROOT
from tools.localcloud.ports import free_port

pytestmark = pytest.mark.integration


def test_dynalite_survives_an_aborted_request(tmp_path: Path) -> None:
    port = free_port()
    process = servers.dynalite(node=servers.find_node(), node_modules=PROJECT_ROOT / "node_modules",
                               host="127.0.0.1", port=port, data=tmp_path / "db",
                               logs=tmp_path)  # fmt: skip
    process.start()
    try:
        client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}",
                              region_name="us-east-1", aws_access_key_id="x",
                              aws_secret_access_key="x")  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                client.list_tables()
                break
            except Exception:
                if time.monotonic() > deadline or not process.alive():
                    raise
                time.sleep(0.2)
        head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
        head += b"X-Amz-Target: DynamoDB_20120810.ListTables\r\n\r\n"
        for _ in range(3):  # half a request body, then the client is gone
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(head + b'{"Li')
                time.sleep(0.1)
        time.sleep(0.5)
        assert process.alive(), process.log_tail(10)
        assert "TableNames" in client.list_tables()
        assert "a client aborted a request" in process.log_path.read_text()
    finally:
        process.stop()
