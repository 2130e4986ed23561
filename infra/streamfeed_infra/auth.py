"""The API's users: a Cognito user pool, one app client, the admin and service groups.

The API's authorizer (``chalicelib/auth``) accepts this pool's RS256 tokens
once ``STREAMFEED_COGNITO_USER_POOL_ID`` and ``STREAMFEED_COGNITO_CLIENT_IDS``
are set, and reads roles from ``cognito:groups``: the group names come from
``AuthConfig``'s defaults, so the pool and the code agree.

MFA is TOTP (an authenticator app) only: no SMS, so no SNS role and no phone
numbers. Cognito sets MFA per pool, not per group, so "admins need MFA in
prod" is the prod pool requiring it of everyone (``ON``): Cognito itself then
refuses a sign-in without the second factor, with no code of ours on the path.
The cost is that every prod identity, service accounts included, enrolls a
TOTP device. The alternative, ``OPTIONAL`` plus a pre-token-generation
trigger that drops the ``admin`` group from the tokens of admins without
TOTP, would spare the others, but puts a Lambda function (and
``cognito-idp:AdminGetUser``) on every sign-in and token refresh, and fails
open if it is wrong. Dev keeps ``OPTIONAL``: each user may enroll.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from chalicelib.auth.config import AuthConfig

from .config import StageConfig


def group_names() -> tuple[str, str]:
    """The admin and service group names the API checks (their defaults)."""
    fields = AuthConfig.model_fields
    return str(fields["auth_admin_group"].default), str(fields["auth_service_group"].default)


class UserDirectory(Construct):
    """Operators are created by an admin (no self sign-up); tokens last an hour.

    A token stays valid until it expires: the authorizer checks signatures
    locally and never asks Cognito whether it was revoked (the README's
    "Revoking access" gives the numbers and how to shorten them).
    """

    def __init__(self, scope: Construct, cid: str, config: StageConfig) -> None:
        super().__init__(scope, cid)
        self.pool = cognito.UserPool(
            self,
            "Users",
            user_pool_name=f"{config.prefix}-users",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            password_policy=cognito.PasswordPolicy(
                min_length=12, require_symbols=False, temp_password_validity=Duration.days(3)
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=cognito.Mfa.REQUIRED if config.mfa_required else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False, email=False),
            enable_sms_role=False,
            deletion_protection=config.protect,
            removal_policy=RemovalPolicy.RETAIN if config.protect else RemovalPolicy.DESTROY,
        )
        # A public client (no secret): the CLI and browsers cannot keep one.
        # USER_PASSWORD_AUTH lets `aws cognito-idp initiate-auth` fetch a token
        # for the README's steps; SRP is what SDKs and hosted UIs use.
        self.client = self.pool.add_client(
            "ApiClient",
            user_pool_client_name=f"{config.prefix}-api",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
            prevent_user_existence_errors=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )
        admin, service = group_names()
        cognito.CfnUserPoolGroup(
            self,
            "AdminGroup",
            user_pool_id=self.pool.user_pool_id,
            group_name=admin,
            description="Manages terms, key sets and broadcasts.",
        )
        cognito.CfnUserPoolGroup(
            self,
            "ServiceGroup",
            user_pool_id=self.pool.user_pool_id,
            group_name=service,
            description="Services that may write items to any user's feed.",
        )

    def api_environment(self) -> dict[str, str]:
        """What the API and its authorizer need to verify this pool's tokens."""
        return {
            "STREAMFEED_COGNITO_USER_POOL_ID": self.pool.user_pool_id,
            "STREAMFEED_COGNITO_CLIENT_IDS": self.client.user_pool_client_id,
        }
