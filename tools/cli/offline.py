"""``streamfeed stream --rule … --to-file PATH|-``: the stream with no cloud at all.

django-twitter-stream's ``--to-file`` existed so tweets could be collected
while the database was away. Here that means no DynamoDB (the rules come from
the command line or a file), no Secrets Manager (the bearer token comes from a
file or the environment, never from the command line, where ``ps`` and shell
history would show it), no Kinesis (the lines go to the file) and, with
nothing to keep them in, no lease, status record or CloudWatch metrics.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

from chalicelib.terms.normalize import MAX_RULE_LENGTH, normalize_value, term_id_for
from tools.cli.errors import CliError

TOKEN_ENV: Final = "STREAMFEED_BEARER_TOKEN"  # noqa: S105 - a variable name, not a token
#: A token is one line; anything longer is not a token file.
MAX_TOKEN_CHARS: Final = 4096


def read_token(source: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The first line of ``source`` (``-``: stdin), else ``STREAMFEED_BEARER_TOKEN``."""
    if source is None:
        token = environ.get(TOKEN_ENV, "").strip()
        if not token:
            raise CliError(
                f"no bearer token: give --bearer-token-file PATH (or - for stdin) or set "
                f"{TOKEN_ENV}; a token never goes on the command line",
                exit_code=2,
            )
        return token
    try:
        if source == "-":
            token = sys.stdin.readline(MAX_TOKEN_CHARS).strip()
        else:
            with Path(source).open(encoding="utf-8") as handle:
                token = handle.readline(MAX_TOKEN_CHARS).strip()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise CliError(f"cannot read the bearer token from {source}: {why}", exit_code=2) from None
    if not token:
        raise CliError(f"no bearer token: the first line of {source} is empty", exit_code=2)
    return token


def is_comment(line: str) -> bool:
    """``#`` then a space (or nothing): ``#python`` is X's hashtag operator, a rule."""
    text = line.strip()
    return text == "#" or (text.startswith("#") and text[1:2].isspace())


def read_rules_file(path: Path) -> list[str]:
    """One rule per line; blank lines and ``# comment`` lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise CliError(f"cannot read the rules file {path}: {why}", exit_code=2) from None
    rules = [line for line in text.splitlines() if line.strip() and not is_comment(line)]
    if not rules:
        raise CliError(f"the rules file {path} holds no rules", exit_code=2)
    return rules


def rule_set(values: Iterable[str]) -> dict[str, str]:
    """Term id -> normalised value, the tag and value the API would give each rule.

    The tag is the term id the project computes (``term_id_for``), so a line
    written offline names the same term as it would online, and an import of
    the file later lands on that term.
    """
    rules: dict[str, str] = {}
    for value in values:
        normal = normalize_value(value)
        if not normal:
            raise CliError("a rule is empty", exit_code=2)
        if len(normal) > MAX_RULE_LENGTH:
            raise CliError(
                f"a rule is {len(normal)} characters; X takes at most {MAX_RULE_LENGTH}: "
                f"{normal[:40]}…",
                exit_code=2,
            )
        rules[term_id_for(normal)] = normal
    return rules
