"""Deployment choices from CDK context: the streamer's backfill, and a bad value in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.core.settings import Settings
from infra.streamfeed_infra.config import stage_config, streamer_environment

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("given", "expected"), [(0, "0"), ("3", "3"), (5, "5")])
def test_backfill_reaches_the_streamer_task(given: int | str, expected: str) -> None:
    env = streamer_environment(stage_config("prod", backfill_minutes=given))
    assert env["STREAMFEED_BACKFILL_MINUTES"] == expected
    # What the task reads back is what was asked for.
    settings = Settings.model_validate(
        {k.removeprefix("STREAMFEED_").lower(): v for k, v in env.items()}
    )
    assert settings.backfill_minutes == int(expected)


@pytest.mark.parametrize("bad", [6, "-1", "two", "1.5"])
def test_backfill_outside_xs_range_is_refused(bad: int | str) -> None:
    with pytest.raises(ValueError, match="backfill_minutes must be 0 to 5"):
        stage_config("dev", backfill_minutes=bad)


def test_a_bad_context_value_is_one_line_not_a_traceback() -> None:
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"backfill_minutes": 9})}
    done = subprocess.run(
        [sys.executable, str(ROOT / "infra" / "app.py")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    # jsii may print a Node version banner first; ours is the last line.
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "streamfeed infra: backfill_minutes must be 0 to 5 (X's limit), not 9"
    )


def test_api_url_is_for_the_chalice_path_and_is_the_apis_https_url() -> None:
    """`-c api_url` (what `chalice url` prints): the console's callback on that path."""
    url = "https://abcde12345.execute-api.us-east-1.amazonaws.com/api/"
    assert stage_config("prod", api_mode="chalice", api_url=url).chalice_api_url == url
    assert stage_config("prod", api_mode="chalice", api_url=url[:-1]).chalice_api_url == url
    assert stage_config("prod", api_mode="chalice").chalice_api_url is None
    with pytest.raises(ValueError, match="api_url is for api=chalice"):
        stage_config("prod", api_url=url)
    for bad in ("http://x.example.com/api/", "https://x.example.com/api/?a=b", "abc", ""):
        with pytest.raises(ValueError, match="api_url must be the API's https:// URL"):
            stage_config("prod", api_mode="chalice", api_url=bad)
