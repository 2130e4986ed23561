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

**Hosted sign-in** (the operator console's "Sign in with Cognito"). The pool
has a Cognito prefix domain, ``<prefix>-<8 hex digits>``: prefix domains are
global per region, so the stage's name alone could already be anyone's. The
digits are the first group of the stack id's UUID, fixed for the stack's life,
random between stacks, and, unlike the account id, they say nothing about the
account in a URL the console shows to anyone who opens it. Hex digits cannot
spell the words Cognito refuses in a prefix ("aws", "amazon", "cognito"). The
domain uses the classic hosted UI, which needs no branding resource and
handles TOTP sign-in and enrollment.

The app client is public (no secret) and allows only what the console's
script asks for (``chalicelib/console/assets/core.js``): the authorization-code
grant (with PKCE, which the page always sends), the ``openid`` scope, and
``<API URL>console`` (``location.origin + location.pathname``) as its callback
and logout URL. That URL cannot be in the client's CloudFormation resource:
the API function's environment names the client, and the REST API is built
from the functions, so client -> API -> function -> client would be a cycle.
So the client is created with a placeholder callback (``https://localhost/``:
a code sent there reaches only the signing-in person's own machine), and once
the API exists a custom resource calls ``UpdateUserPoolClient`` with the real
one, on create and on update (``ConsoleCallback``). That call resets every
setting it is not given, so the resource and the call both take all of
:func:`client_settings`; as the call's parameters are those settings, any
change to the client changes the custom resource too, and CloudFormation makes
the call again right after updating the client (which puts the placeholder
back for those seconds). Drift detection reports the two URL lists as drifted:
that is this design. With ``-c api=chalice`` the API is not in the stack, so
there is no cycle: ``-c api_url=…`` (what ``chalice url`` prints) puts the
console's URL in the resource itself, and without it the placeholder stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from aws_cdk import Aws, CfnResource, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from chalicelib.auth.config import AuthConfig
from chalicelib.core import resources

from .config import StageConfig

#: The console's route under the API's URL (``GET /console``).
CONSOLE_PATH: Final = "console"
#: What the console's hosted sign-in asks for (``core.js``: ``scope: "openid"``).
CONSOLE_SCOPES: Final = ("openid",)
#: The client's callback until the console's URL is known (see the module's docstring).
PLACEHOLDER_CALLBACK: Final = "https://localhost/"
#: Where ``UpdateUserPoolClient``'s custom resource function logs.
CALLBACK_LOG_GROUP: Final = "cognito-callback"


def group_names() -> tuple[str, str]:
    """The admin and service group names the API checks (their defaults)."""
    fields = AuthConfig.model_fields
    return str(fields["auth_admin_group"].default), str(fields["auth_service_group"].default)


def console_url(api_url: str) -> str:
    """The console's URL (and so its redirect URI) from the API's, which ends in "/"."""
    return f"{api_url}{CONSOLE_PATH}"


def domain_prefix(stage_prefix: str) -> str:
    """``<stage prefix>-<first group of the stack id's UUID>`` (resolved at deploy time).

    A stack id is ``arn:…:stack/<name>/<uuid>``; the UUID's first group is
    eight lowercase hex digits.
    """
    stack_uuid = Fn.select(2, Fn.split("/", Aws.STACK_ID))
    return str(Fn.join("-", [stage_prefix, Fn.select(0, Fn.split("-", stack_uuid))]))


def client_settings(stage_prefix: str, urls: Sequence[str]) -> dict[str, Any]:
    """Every setting of the app client, as CloudFormation and ``UpdateUserPoolClient`` name them.

    The two use the same names, so one dictionary is both the resource's
    properties and the call's parameters. Everything is given, defaults too,
    because ``UpdateUserPoolClient`` resets what it is not given. Read and
    write attributes stay unset in both: Cognito's default for each (every
    standard attribute) is then what both the resource and the call mean.
    ``urls`` are the callback and logout URLs.

    A public client (no secret): the CLI and browsers cannot keep one.
    USER_PASSWORD_AUTH lets ``aws cognito-idp initiate-auth`` fetch a token for
    the README's steps; SRP is what SDKs use. Tokens last an hour, refresh
    tokens thirty days (the README's "Revoking access" rests on these).
    """
    return {
        "ClientName": f"{stage_prefix}-api",
        "ExplicitAuthFlows": [
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
        "PreventUserExistenceErrors": "ENABLED",
        "EnableTokenRevocation": True,
        "EnablePropagateAdditionalUserContextData": False,
        "AuthSessionValidity": 3,
        "AccessTokenValidity": int(Duration.hours(1).to_minutes()),
        "IdTokenValidity": int(Duration.hours(1).to_minutes()),
        "RefreshTokenValidity": int(Duration.days(30).to_minutes()),
        "TokenValidityUnits": {
            "AccessToken": "minutes",
            "IdToken": "minutes",
            "RefreshToken": "minutes",
        },
        "SupportedIdentityProviders": ["COGNITO"],
        "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthFlows": ["code"],
        "AllowedOAuthScopes": list(CONSOLE_SCOPES),
        "CallbackURLs": list(urls),
        "LogoutURLs": list(urls),
    }


class UserDirectory(Construct):
    """Operators are created by an admin (no self sign-up); tokens last an hour.

    A token stays valid until it expires: the authorizer checks signatures
    locally and never asks Cognito whether it was revoked (the README's
    "Revoking access" gives the numbers and how to shorten them).
    """

    def __init__(self, scope: Construct, cid: str, config: StageConfig) -> None:
        super().__init__(scope, cid)
        self.prefix = config.prefix
        self.removal = RemovalPolicy.RETAIN if config.protect else RemovalPolicy.DESTROY
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
            removal_policy=self.removal,
        )
        self.domain = self.pool.add_domain(
            "SignIn",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix(config.prefix)),
            managed_login_version=cognito.ManagedLoginVersion.CLASSIC_HOSTED_UI,
        )
        chalice_console = console_url(config.chalice_api_url) if config.chalice_api_url else None
        #: The console's URL when this stack knows it without the custom resource.
        self.console_url = chalice_console
        # At the L2 client's construct path, so the client (and its id) stay as deployed.
        holder = Construct(self.pool, "ApiClient")
        self.client = CfnResource(
            holder,
            "Resource",
            type="AWS::Cognito::UserPoolClient",
            properties={
                "UserPoolId": self.pool.user_pool_id,
                "GenerateSecret": False,
                **client_settings(config.prefix, [chalice_console or PLACEHOLDER_CALLBACK]),
            },
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

    @property
    def client_id(self) -> str:
        return str(self.client.ref)

    @property
    def domain_url(self) -> str:
        """``https://<prefix>.auth.<region>.amazoncognito.com``."""
        return str(self.domain.base_url())

    def api_environment(self) -> dict[str, str]:
        """What the API and its authorizer need to verify this pool's tokens."""
        return {
            "STREAMFEED_COGNITO_USER_POOL_ID": self.pool.user_pool_id,
            "STREAMFEED_COGNITO_CLIENT_IDS": self.client_id,
        }

    def console_environment(self) -> dict[str, str]:
        """What the API function's console needs to offer the hosted sign-in."""
        return {"STREAMFEED_COGNITO_DOMAIN": self.domain_url}

    def call_back_to(self, api_url: str) -> cr.AwsCustomResource:
        """Make ``<api_url>console`` the client's callback once the API exists (see above).

        Cognito has no ARN for an app client: ``UpdateUserPoolClient``'s one
        resource type is the user pool, so the policy allows that action on
        this pool alone.
        """
        url = console_url(api_url)
        self.console_url = url
        call = cr.AwsSdkCall(
            service="CognitoIdentityProvider",
            action="UpdateUserPoolClient",
            parameters={
                "UserPoolId": self.pool.user_pool_id,
                "ClientId": self.client_id,
                **client_settings(self.prefix, [url]),
            },
            physical_resource_id=cr.PhysicalResourceId.of(self.client_id),
            # Only the id comes back into CloudFormation, not the whole client.
            output_paths=["UserPoolClient.ClientId"],
        )
        group = logs.LogGroup(
            self,
            "CallbackLogs",
            log_group_name=f"/streamfeed/{self.prefix}/{CALLBACK_LOG_GROUP}",
            removal_policy=self.removal,
        )
        cfn = group.node.default_child
        assert isinstance(cfn, logs.CfnLogGroup)
        cfn.retention_in_days = resources.LOG_RETENTION_DAYS
        resource = cr.AwsCustomResource(
            self,
            "ConsoleCallback",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=["cognito-idp:UpdateUserPoolClient"],
                        resources=[self.pool.user_pool_arn],
                    )
                ]
            ),
            install_latest_aws_sdk=False,
            log_group=group,
        )
        self._drop_redundant_depends_on(resource)
        return resource

    def _drop_redundant_depends_on(self, resource: cr.AwsCustomResource) -> None:
        """CDK's provider function depends on its role twice (``Role`` and ``DependsOn``).

        cfn-lint warns about the second (W3005); the ``GetAtt`` alone orders them.
        """
        role = resource.grant_principal
        assert isinstance(role, iam.Role)
        functions = [
            child
            for child in Stack.of(self).node.children
            if isinstance(child, lambda_.Function)
            and child.role is not None
            and child.role.node.path == role.node.path
        ]
        (function,) = functions
        cfn = function.node.default_child
        assert isinstance(cfn, lambda_.CfnFunction)
        cfn.add_deletion_override("DependsOn")
