"""Settings and log setup for the long-running commands (stream, consume, api)."""

from __future__ import annotations

from chalicelib.core.settings import Settings, SettingsError, load_settings
from streamer.logsetup import NOISY, configure_logging
from tools.cli.errors import CliError

__all__ = ["NOISY", "configure_logging", "settings_with_logging"]


def settings_with_logging(noisy: tuple[str, ...] = NOISY) -> Settings:
    """Load the settings (a bad one is a one-line CLI error) and set up logging."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    configure_logging(settings.log_level, noisy=noisy)
    return settings
