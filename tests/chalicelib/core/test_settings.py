"""Settings: defaults, parsing, derived names, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.core.settings import Settings, SettingsError, load_settings
from tools.cli import main
from tools.cli.settings import settings_classes, settings_table

README = Path(__file__).resolve().parents[3] / "README.md"


def test_defaults_match_the_old_app() -> None:
    s = load_settings()
    assert s.poll_interval == 10.0
    assert s.capture_retweets is False
    assert s.prevent_exit is False
    assert s.default_keys is None
    assert s.feed_backend == "fanout"
    assert s.x_api_url == "https://api.twitter.com"


def test_names_derive_from_stage_and_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMFEED_STAGE", "prod")
    s = load_settings()
    assert s.table_name("terms") == "streamfeed-prod-terms"
    assert s.kinesis_stream == "streamfeed-prod-tweets"
    assert s.dead_letter_queue == "streamfeed-prod-consumer-dlq"
    assert s.secret_name("keysets/main") == "streamfeed-prod/keysets/main"
    monkeypatch.setenv("STREAMFEED_NAME_PREFIX", "acme")
    monkeypatch.setenv("STREAMFEED_STREAM_NAME", "firehose")
    s = load_settings()
    assert s.table_name("terms") == "acme-terms"
    assert s.kinesis_stream == "firehose"


def test_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "POLL_INTERVAL": "2.5",
        "CAPTURE_RETWEETS": "yes",
        "PREVENT_EXIT": "1",
        "DEFAULT_KEYS": "main",
        "FEED_BACKEND": "shared",
        "FEED_MAX_LENGTH": "500",
        "DYNAMODB_ENDPOINT": "http://127.0.0.1:8000/",
        "LOG_LEVEL": "debug",
    }.items():
        monkeypatch.setenv(f"STREAMFEED_{key}", value)
    s = load_settings()
    assert (s.poll_interval, s.capture_retweets, s.prevent_exit) == (2.5, True, True)
    assert (s.default_keys, s.feed_backend, s.feed_max_length) == ("main", "shared", 500)
    assert s.endpoint("dynamodb") == "http://127.0.0.1:8000"
    assert s.endpoint("kinesis") is None
    assert s.log_level == "DEBUG"


def test_region_falls_back_to_aws_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert load_settings().region == "eu-west-1"
    monkeypatch.setenv("STREAMFEED_REGION", "ap-southeast-2")
    assert load_settings().region == "ap-southeast-2"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("STREAMFEED_POLL_INTERVAL", "abc", "valid number"),
        ("STREAMFEED_POLL_INTERVAL", "0", "greater than 0"),
        ("STREAMFEED_CAPTURE_RETWEETS", "maybe", "valid boolean"),
        ("STREAMFEED_STAGE", "Prod!", "should match pattern"),
        ("STREAMFEED_FEED_MAX_LENGTH", "-1", "greater than or equal to 0"),
        ("STREAMFEED_KINESIS_ENDPOINT", "localhost:4567", "http:// or https:// URL"),
        ("STREAMFEED_LOG_LEVEL", "LOUD", "'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
        ("AWS_REGION", "mars", "should match pattern"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(f"bad setting {variable}: ")
    assert expected in message
    assert f"(got {value!r})" in message
    assert "\n" not in message


def test_cli_reports_bad_setting_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STREAMFEED_STREAM_SHARDS", "many")
    with pytest.raises(SystemExit) as info:
        main(["settings"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "streamfeed: bad setting STREAMFEED_STREAM_SHARDS: Input should be a valid integer, "
        "unable to parse string as an integer (got 'many')"
    ]


def test_readme_documents_every_setting() -> None:
    text = README.read_text()
    for variable, default, meaning in settings_table():
        row = f"| `{variable}` | {f'`{default}`' if default else '(unset)'} | {meaning} |"
        assert row in text, f"README settings table is out of date for {variable}"
    assert len(settings_table()) == sum(len(c.model_fields) for c in settings_classes())
    assert len(settings_table()) > len(Settings.model_fields)
