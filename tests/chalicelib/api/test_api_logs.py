"""The API's log lines appear (JSON, on stdout) and follow STREAMFEED_LOG_LEVEL.

Chalice pins the logger named after the app to ERROR with propagation off,
so lines logged under ``streamfeed.*`` never showed; the API logs through its
own Powertools logger now.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from chalicelib.api.telemetry import SERVICE, logger
from chalicelib.core.settings import Settings
from tests.chalicelib.api.conftest import Api
from tests.chalicelib.api.support import api_on


def logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == SERVICE]


@pytest.fixture
def quiet_api(api_stage: Settings) -> Iterator[Api]:
    # Every runtime built sets the level from its settings (the next test's: INFO).
    with api_on(api_stage.model_copy(update={"log_level": "WARNING"})) as api:
        yield api


def test_requests_refused_tokens_and_client_errors_are_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    api.as_user("erin", "GET", "/me")
    api.call("GET", "/me", token="not-a-token")
    api.as_user("erin", "GET", "/users/me/feed?limit=0")
    records = logged(caplog)
    messages = [r.getMessage() for r in records]
    assert "getMe erin -> 200" in messages
    assert "token refused: malformed" in messages
    assert "readFeed erin -> 400 validation_error" in messages
    # Written as Powertools JSON lines, with the service and the Lambda context.
    line = json.loads(logger.registered_handler.formatter.format(records[0]))
    assert (line["service"], line["level"], line["message"]) == (SERVICE, "INFO", messages[0])
    assert "function_request_id" in line


def test_the_level_follows_the_setting(quiet_api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.clear()
    quiet_api.as_user("erin", "GET", "/me")
    quiet_api.call("GET", "/me", token="not-a-token")
    assert logged(caplog) == []
