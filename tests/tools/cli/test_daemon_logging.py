"""Long-running commands keep chatty libraries quiet and fail on a bad setting in one line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tools.cli.daemon_logging import configure_logging, settings_with_logging
from tools.cli.errors import CliError

NAMES = ("", "botocore", "urllib3", "tweepy")


@pytest.fixture(autouse=True)
def _restore_levels() -> Iterator[None]:
    before = {name: logging.getLogger(name).level for name in NAMES}
    yield
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize(
    ("root", "floor"), [(logging.DEBUG, logging.WARNING), (logging.ERROR, logging.ERROR)]
)
def test_noisy_libraries_log_at_warning_or_the_root_level(root: int, floor: int) -> None:
    logging.getLogger().setLevel(root)
    logging.getLogger("urllib3").setLevel(logging.NOTSET)
    configure_logging(root, noisy=("botocore", "tweepy"))
    assert logging.getLogger("botocore").level == floor
    assert logging.getLogger("tweepy").level == floor
    assert logging.getLogger("urllib3").level == logging.NOTSET  # not named: left alone


def test_bad_setting_is_a_cli_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMFEED_LOG_LEVEL", "LOUD")
    with pytest.raises(CliError, match="STREAMFEED_LOG_LEVEL"):
        settings_with_logging()
