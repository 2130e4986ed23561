"""How tokens are checked: Cognito in AWS, a local development key otherwise.

These variables belong to the API alone, so they live here rather than in the
shared ``Settings``. Setting ``STREAMFEED_COGNITO_USER_POOL_ID`` switches the
API to Cognito, and then locally signed tokens are refused outright: the two
modes never mix, so an HS256 token can never pass where RS256 is expected.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from chalicelib.core.settings import ENV_PREFIX, SettingsError

Mode = Literal["local", "cognito"]


class AuthConfig(BaseSettings):
    """``STREAMFEED_AUTH_*`` and ``STREAMFEED_COGNITO_*``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    auth_mode: Mode | None = Field(
        None, description="`local` or `cognito` (default: cognito when a user pool is set)."
    )
    cognito_user_pool_id: str | None = Field(
        None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]{1,64}$", description="Cognito pool."
    )
    cognito_client_ids: str = Field(
        "", max_length=2000, description="Comma-separated app client ids (the audience)."
    )
    cognito_issuer: str | None = Field(None, description="Issuer override (default: the pool's).")
    cognito_jwks_url: str | None = Field(None, description="JWKS URL override (default: issuer's).")
    cognito_token_uses: str = Field("access,id", description="Accepted `token_use` values.")
    cognito_domain: str | None = Field(
        None,
        pattern=r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$",
        description="Cognito's hosted sign-in (`https://<prefix>.auth.<region>.amazoncognito.com`"
        "): the operator console's sign-in links to it.",
    )
    auth_admin_group: str = Field(
        "admin", min_length=1, max_length=128, description="Group claim that makes an admin."
    )
    auth_service_group: str = Field(
        "service",
        min_length=1,
        max_length=128,
        description="Group claim of services that may write to any feed.",
    )
    auth_token_ttl_max: int = Field(7 * 24 * 3600, ge=60, description="Longest local token.")

    @property
    def mode(self) -> Mode:
        if self.auth_mode is not None:
            return self.auth_mode
        return "cognito" if self.cognito_user_pool_id else "local"

    @property
    def client_ids(self) -> frozenset[str]:
        return frozenset(c.strip() for c in self.cognito_client_ids.split(",") if c.strip())

    @property
    def token_uses(self) -> frozenset[str]:
        return frozenset(u.strip() for u in self.cognito_token_uses.split(",") if u.strip())

    @property
    def issuer(self) -> str:
        if self.cognito_issuer:
            return self.cognito_issuer.rstrip("/")
        pool = self.cognito_user_pool_id or ""
        region = pool.split("_", 1)[0]
        return f"https://cognito-idp.{region}.amazonaws.com/{pool}"

    @property
    def jwks_url(self) -> str:
        return self.cognito_jwks_url or f"{self.issuer}/.well-known/jwks.json"


def load_auth_config() -> AuthConfig:
    try:
        config = AuthConfig()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ENV_PREFIX + str(error["loc"][0]).upper() if error["loc"] else "?"
        raise SettingsError(f"bad setting {name}: {error['msg']}") from None
    if config.mode == "cognito" and not (config.cognito_user_pool_id or config.cognito_issuer):
        raise SettingsError("bad setting STREAMFEED_COGNITO_USER_POOL_ID: cognito mode needs it")
    if config.mode == "cognito" and not config.client_ids:
        raise SettingsError("bad setting STREAMFEED_COGNITO_CLIENT_IDS: cognito mode needs it")
    return config
