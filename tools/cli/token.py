"""``streamfeed token``: mint a development API token for the local stage.

Locally there is no Cognito; the API's authorizer accepts HS256 tokens signed
with this stage's ``jwt-signing-key`` secret, which only someone who can read
that secret can mint. Print the token so scripts can ``TOKEN=$(streamfeed token …)``.
"""

from __future__ import annotations

import re

import click

from chalicelib.auth import TokenError, mint_token
from chalicelib.auth.config import load_auth_config
from chalicelib.core.errors import ServiceError
from chalicelib.core.settings import SettingsError, load_settings
from tools.cli.errors import CliError

_TTL = re.compile(r"^(\d+)([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> int:
    """``90``, ``90s``, ``15m``, ``12h`` or ``7d`` as seconds."""
    match = _TTL.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise CliError(f"bad --ttl {text!r}: use e.g. 3600, 15m, 12h or 7d")
    return int(match.group(1)) * _UNITS[match.group(2)]


@click.command("token")
@click.option("--user", "user_id", required=True, help="The user id (the token's subject).")
@click.option("--admin", is_flag=True, help="Put the user in the admin group.")
@click.option("--service", is_flag=True, help="Put the user in the service group (feed writes).")
@click.option("--ttl", default="1h", show_default=True, help="Lifetime: seconds or 15m, 12h, 7d.")
def token_command(user_id: str, admin: bool, service: bool, ttl: str) -> None:
    """Print a development API token (HS256, signed with this stage's key)."""
    seconds = parse_ttl(ttl)
    try:
        settings = load_settings()
        config = load_auth_config()
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    if config.mode != "local":
        raise CliError("the API uses Cognito here; get a token from the user pool instead")
    if seconds > config.auth_token_ttl_max:
        raise CliError(f"--ttl may be at most {config.auth_token_ttl_max} seconds")
    groups = tuple(
        group
        for group, wanted in (
            (config.auth_admin_group, admin),
            (config.auth_service_group, service),
        )
        if wanted
    )
    try:
        token = mint_token(settings, user_id, ttl_seconds=seconds, groups=groups)
    except (TokenError, ServiceError) as exc:
        raise CliError(str(exc)) from None
    click.echo(token)
