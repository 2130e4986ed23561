"""Log setup shared by the long-running commands (stream, consume, api)."""

from __future__ import annotations

import logging
import sys

from chalicelib.cli.errors import CliError
from chalicelib.settings import Settings, SettingsError, load_settings

TIMESTAMPED = "%(asctime)s %(levelname)s %(name)s: %(message)s"
NOISY = ("botocore", "urllib3")


def configure_logging(
    level: str | int, fmt: str = TIMESTAMPED, noisy: tuple[str, ...] = NOISY
) -> None:
    """Log at ``level`` to stderr, but keep chatty libraries at WARNING or above.

    botocore's and urllib3's INFO lines (credentials found, every new
    connection) would drown the command's own lines.
    """
    logging.basicConfig(stream=sys.stderr, level=level, format=fmt)
    floor = max(logging.WARNING, logging.getLogger().level)
    for name in noisy:
        logging.getLogger(name).setLevel(floor)


def settings_with_logging(noisy: tuple[str, ...] = NOISY) -> Settings:
    """Load the settings (a bad one is a one-line CLI error) and set up logging."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    configure_logging(settings.log_level, noisy=noisy)
    return settings
