"""``python -m streamer``: the image's entry point answers bad input in one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from streamer.main import main


def test_a_bad_setting_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STREAMFEED_POLL_INTERVAL", "soon")
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("streamer: ") and "STREAMFEED_POLL_INTERVAL" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_an_unknown_option_is_a_usage_error_not_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "streamer", "--to-file", "x"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "unrecognized arguments: --to-file" in done.stderr
    assert "Traceback" not in done.stderr
