"""The operator console: HTML pages that drive the same HTTP API as the CLI and curl."""

from chalicelib.console.serve import console_page

__all__ = ["console_page"]
