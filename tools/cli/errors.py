"""The one exception type a command raises to fail with a one-line message."""

from __future__ import annotations


class CliError(Exception):
    """Printed as ``streamfeed: <message>``; the process exits with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
