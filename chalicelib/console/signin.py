"""How the console's sign-in gets a token: what the page may say, and nothing secret.

Locally the API accepts the HS256 tokens ``streamfeed token`` mints, and the
form says so. In AWS (cognito mode) the tokens are Cognito's; the form always
explains how to get one with the AWS CLI. With ``STREAMFEED_COGNITO_DOMAIN``
set (the CDK app sets it to the stack's hosted domain, whose app client allows
the authorization-code flow with the console's URL as a callback), the form
also offers "Sign in with Cognito": the page runs the code flow with PKCE
against that domain, with no client secret (the client is public), and keeps
the access token exactly as a pasted one. A public client's id is no secret:
Cognito puts it in every token it issues.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.auth.config import AuthConfig, Mode


@dataclass(frozen=True)
class SignIn:
    """What the sign-in form offers; all of it may be shown to anyone."""

    mode: Mode
    client_id: str | None = None
    hosted_ui: str | None = None

    @property
    def hosted(self) -> bool:
        """Whether the page can send people to Cognito's hosted sign-in."""
        return self.mode == "cognito" and bool(self.hosted_ui and self.client_id)


def sign_in_from(config: AuthConfig) -> SignIn:
    """The first configured app client is the console's (the stack configures one)."""
    if config.mode != "cognito":
        return SignIn("local")
    clients = [c.strip() for c in config.cognito_client_ids.split(",") if c.strip()]
    domain = config.cognito_domain.rstrip("/") if config.cognito_domain else None
    return SignIn("cognito", clients[0] if clients else None, domain)
