"""The consumer's configuration error, apart from the model code that raises it.

Importing the consumer package (as ``app.py`` does, for the mapping) must not
load PynamoDB; this module keeps the public error light.
"""

from __future__ import annotations

from typing import Final

from chalicelib.core.settings import SettingsError, env_name

VARIABLE: Final = env_name("tweet_model")


class TweetModelError(SettingsError):
    """``STREAMFEED_TWEET_MODEL`` is unusable; reported like any bad setting."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"bad setting {VARIABLE}: {problem}")
