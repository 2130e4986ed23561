"""Loopback ports: pick free ones, refuse taken ones."""

from __future__ import annotations

import socket

from tools.localcloud.errors import LocalCloudError


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def is_listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def claim(host: str, port: int, label: str) -> int:
    """``port`` if it is free (0 means any free port); a one-line error if not."""
    if port == 0:
        return free_port(host)
    if not 0 < port < 65536:
        raise LocalCloudError(f"port {port} for {label} is not a valid port number")
    if is_listening(host, port):
        raise LocalCloudError(f"port {port} for {label} is already in use")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # As the servers do: a port whose last connections are closing
            # (TIME_WAIT) is free to listen on again.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        raise LocalCloudError(f"port {port} for {label} cannot be used: {exc.strerror}") from None
    return port
