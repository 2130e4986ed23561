"""Input checks match whole strings: a trailing newline is not a valid id ("$" allows one)."""

from __future__ import annotations

import pytest

from chalicelib.api.operations import PATH_PARAMS
from chalicelib.core.keysets import InvalidKeySet
from chalicelib.core.keysets.values import check_name, hint_of
from chalicelib.terms import is_term_id
from chalicelib.userids import InvalidUser, check_user_id

TERM = "t" + "0123456789abcdef0123"


@pytest.mark.parametrize("suffix", ["\n", "\r\n", " ", "\x00"])
def test_a_trailing_character_makes_every_id_invalid(suffix: str) -> None:
    assert check_user_id("alice") == "alice"
    with pytest.raises(InvalidUser):
        check_user_id("alice" + suffix)
    assert is_term_id(TERM) and not is_term_id(TERM + suffix)
    assert check_name("main") == "main"
    with pytest.raises(InvalidKeySet):
        check_name("main" + suffix)
    for name, value in (("user_id", "alice"), ("term_id", TERM), ("name", "main")):
        assert PATH_PARAMS[name].matches(value)
        assert not PATH_PARAMS[name].matches(value + suffix), (name, suffix)


@pytest.mark.parametrize(
    ("token", "hint"),
    [("12345678", "78"), ("123456789abc", "abc"), ("x" * 15 + "WXYZ", "WXYZ"), ("a" * 200, "aaaa")],
)
def test_a_hint_never_shows_more_than_a_quarter_of_the_token(token: str, hint: str) -> None:
    assert hint_of(token) == hint
    assert len(hint_of(token)) <= len(token) / 4
