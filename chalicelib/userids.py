"""What a user id may be: checked by the API, the tokens and the subscriptions alike.

Its own small module so that the authorizer, which runs on every request,
checks a token's subject without importing the subscriptions service (and
PynamoDB with it) for one regular expression.
"""

from __future__ import annotations

import re
from typing import Final

from chalicelib.core.errors import InvalidInput

#: A user id: a Cognito ``sub`` (UUID), a username or a local test id.
USER_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9_.@+=:-]{0,127}$"
_USER_ID: Final = re.compile(USER_ID_PATTERN)


class InvalidUser(InvalidInput):
    code = "invalid_user"


def check_user_id(user_id: str) -> str:
    if not _USER_ID.fullmatch(user_id):  # not match: "$" allows a final newline
        raise InvalidUser(
            "a user id is 1-128 characters: letters, digits and _ . @ + = : - "
            "(starting with a letter or digit)"
        )
    return user_id
