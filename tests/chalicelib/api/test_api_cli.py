"""The command line: tokens the API accepts, terms and key sets through the same services."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.core.keysets import resolve_keyset
from chalicelib.core.models import bind_models
from chalicelib.terms import term_id_for
from tests.chalicelib.api.conftest import Api, body_of
from tests.chalicelib.api.support import cli_env
from tools.cli import main

SECRET = "CLIbearerSECRETtoken-7777"


@pytest.fixture
def cli(api: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    for name, value in cli_env(api.settings).items():
        monkeypatch.setenv(name, value)
    return api


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_token_is_accepted_by_the_api(cli: Api, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "token", "--user", "erin", "--admin", "--ttl", "15m")
    assert code == 0
    me = body_of(cli.call("GET", "/me", token=out.strip()))
    assert (me["user_id"], me["admin"]) == ("erin", True)
    code, out, _ = run(capsys, "token", "--user", "erin")
    assert body_of(cli.call("GET", "/me", token=out.strip()))["admin"] is False
    assert run(capsys, "token", "--user", "erin", "--ttl", "soon")[0] == 1
    assert run(capsys, "token", "--user", "bad user")[0] == 1


def test_terms_commands(cli: Api, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "terms", "add", "#cli  lang:en")
    assert code == 0 and "syntax checked" in err
    term = term_id_for("#cli lang:en")
    assert term in out
    assert run(capsys, "terms", "add", "#cli lang:en")[2].startswith("streamfeed: a term with")
    assert run(capsys, "terms", "add", "(broken")[0] == 1
    assert run(capsys, "terms", "disable", term)[0] == 0
    listed = json.loads(run(capsys, "terms", "list", "--json")[1])
    assert [(t["term_id"], t["enabled"]) for t in listed] == [(term, False)]
    assert body_of(cli.as_admin("GET", f"/terms/{term}"))["enabled"] is False
    assert run(capsys, "terms", "enable", term)[0] == 0
    assert run(capsys, "terms", "remove", term)[0] == 0
    code, _, err = run(capsys, "terms", "remove", term)
    assert code == 1 and err == f"streamfeed: no term {term!r}\n"


def test_subscriptions_commands_take_a_term_id_or_its_rule(
    cli: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "terms", "add", "#owls")[0] == 0
    term = term_id_for("#owls")
    code, out, _ = run(capsys, "subscriptions", "add", "carol", "  #owls ")
    assert (code, out) == (0, f"subscribed: carol -> {term}  #owls\n")
    assert run(capsys, "subscriptions", "add", "carol", term)[1].startswith("already subscribed")
    listed = json.loads(run(capsys, "subscriptions", "list", "carol", "--json")[1])
    assert [(s["term_id"], s["value"]) for s in listed] == [(term, "#owls")]
    api_view = body_of(cli.as_user("carol", "GET", "/users/me/subscriptions"))["items"]
    assert [s["value"] for s in api_view] == ["#owls"]
    code, _, err = run(capsys, "subscriptions", "add", "carol", "#ghost")
    assert code == 1 and err == "streamfeed: no term with the rule '#ghost'\n"
    assert run(capsys, "subscriptions", "remove", "carol", "#owls")[0] == 0
    assert run(capsys, "subscriptions", "list", "carol")[2] == "carol has no subscriptions\n"
    assert run(capsys, "subscriptions", "remove", "carol", term)[0] == 1


def test_keys_commands_read_secrets_from_stdin_file_or_prompt(
    cli: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(SECRET + "\n"))
    code, out, _ = run(capsys, "keys", "add", "piped", "--from-file", "-")
    assert (code, out) == (0, "added piped (****7777)\n")
    secrets_file = tmp_path / "keys.json"
    secrets_file.write_text(json.dumps({"bearer_token": SECRET + "f", "consumer_key": "ck12"}))
    assert run(capsys, "keys", "add", "filed", "--from-file", str(secrets_file))[0] == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(SECRET + "p\n"))
    assert run(capsys, "keys", "add", "prompted")[0] == 0
    assert resolve_keyset(cli.settings, "prompted").bearer_token == SECRET + "p"
    code, out, err = run(capsys, "keys", "list")
    assert SECRET not in out + err and "****777f" in out
    assert run(capsys, "keys", "set-default", "filed")[1] == "default: filed (stored)\n"
    assert resolve_keyset(cli.settings, None).name == "filed"
    code, _, err = run(capsys, "keys", "remove", "filed", "--yes")
    assert code == 1 and "is the default" in err
    assert run(capsys, "keys", "set-default", "--clear")[0] == 0
    assert run(capsys, "keys", "remove", "filed", "--yes")[0] == 0
    listed = json.loads(run(capsys, "keys", "list", "--json")[1])
    assert [k["name"] for k in listed["items"]] == ["piped", "prompted"]


def test_keys_add_has_no_way_to_pass_a_secret_on_the_command_line(
    cli: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "keys", "add", "argv", "--bearer-token", SECRET)
    assert code != 0 and "No such option" in err


def test_terms_show_subscribers_and_recount_fixes_counts_from_before_counting(
    cli: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREAMFEED_HOT_TERM_SUBSCRIBERS", "3")
    assert run(capsys, "terms", "add", "#herons")[0] == 0
    term = term_id_for("#herons")
    for user in ("ann", "ben"):
        assert run(capsys, "subscriptions", "add", user, term)[0] == 0
    [shown] = json.loads(run(capsys, "terms", "list", "--json")[1])
    assert (shown["subscribers"], shown["hot"]) == (2, False)
    assert "      2 subs      #herons" in run(capsys, "terms", "list")[1]
    # Subscriptions written before terms counted them (straight to the table):
    model = bind_models(cli.settings).subscriptions
    for user in ("cat", "dan"):
        model(user, term, created_at=datetime.now(UTC)).save()
    code, out, _ = run(capsys, "terms", "recount")
    assert code == 0 and "      4 subs hot  #herons" in out
    [shown] = json.loads(run(capsys, "terms", "list", "--json")[1])
    assert (shown["subscribers"], shown["hot"]) == (4, True)
    code, _, err = run(capsys, "terms", "recount", "nosuchterm")
    assert code == 1 and err.startswith("streamfeed: ")
