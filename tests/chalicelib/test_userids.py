"""The authorizer checks a token's subject without the subscriptions service."""

from __future__ import annotations

import subprocess
import sys

import pytest

from chalicelib.userids import InvalidUser, check_user_id


def test_user_ids_are_checked_in_one_place() -> None:
    assert check_user_id("a1b2-c3@example.com") == "a1b2-c3@example.com"
    for bad in ("", "-starts-with-dash", "has space", "x" * 129):
        with pytest.raises(InvalidUser):
            check_user_id(bad)


def test_verifying_tokens_does_not_import_the_subscriptions_service() -> None:
    code = "import sys, chalicelib.auth.verify; print('chalicelib.subscriptions' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
