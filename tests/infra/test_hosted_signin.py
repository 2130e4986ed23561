"""The operator console's "Sign in with Cognito" in the stack (issue 22).

The user pool's hosted domain, the app client's code grant, the custom
resource that sets the console's URL as the client's callback once the API
exists, its one permission, the API function's ``STREAMFEED_COGNITO_DOMAIN``,
the outputs, and that none of it closes a dependency cycle.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from chalicelib.auth.config import AuthConfig
from chalicelib.console.signin import sign_in_from
from infra.streamfeed_infra import chalicefiles
from infra.streamfeed_infra.auth import (
    CONSOLE_SCOPES,
    PLACEHOLDER_CALLBACK,
    UserDirectory,
    client_settings,
)
from infra.streamfeed_infra.config import stage_config
from tests.infra.conftest import CHALICE_API_URL, CHALICE_MODE
from tests.infra.iam import as_list, statements
from tests.infra.support import REGION, ROOT, Synthesized

# The first test builds everything (chalice package, four synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)

#: CreateUserPoolDomain's pattern for a prefix, and the words Cognito refuses in one.
PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?")
RESERVED = ("aws", "amazon", "cognito")
#: Stack ids as CloudFormation writes them (time-based UUIDs), and random ones.
STACK_IDS = [
    "arn:aws:cloudformation:us-east-1:123456789012:stack/streamfeed-prod/"
    "c7b2e6a0-8d55-11ef-b2b1-0affd3e7c4a9",
    "arn:aws:cloudformation:us-east-1:123456789012:stack/streamfeed-dev/"
    "51af3dc0-da77-11e4-872e-1234567db123",
    *(
        f"arn:aws:cloudformation:us-east-1:123456789012:stack/streamfeed-dev/{uuid.uuid4()}"
        for _ in range(50)
    ),
]
CORE_JS = ROOT / "chalicelib" / "console" / "assets" / "core.js"


# -- reading templates --------------------------------------------------------------------------


def _logical(stack: Synthesized, kind: str) -> str:
    (logical,) = stack.resources(kind, translated=False)
    return logical


def _evaluate(value: Any, refs: dict[str, str]) -> Any:
    """The intrinsics a domain prefix or URL uses, with ``refs`` for Ref (pseudo or resource)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_evaluate(v, refs) for v in value]
    ((name, arg),) = value.items()
    if name == "Ref":
        return refs[arg]
    if name == "Fn::Join":
        return arg[0].join(_evaluate(arg[1], refs))
    if name == "Fn::Split":
        return _evaluate(arg[1], refs).split(arg[0])
    if name == "Fn::Select":
        return _evaluate(arg[1], refs)[arg[0]]
    if name == "Fn::Sub":
        return re.sub(r"\$\{([^}]+)\}", lambda m: refs[m.group(1)], arg)
    raise AssertionError(f"unexpected intrinsic {name}")


def _sdk_call(template: dict[str, Any], logical: str, key: str) -> dict[str, Any]:
    """A ``Custom::AWS`` call (a JSON string joined with intrinsics), intrinsics kept in place.

    Each intrinsic becomes a marker inside the JSON text; after parsing, a
    string made of markers and text becomes ``{"Fn::Join": ["", parts]}``
    (or the intrinsic itself when it is alone), as CloudFormation would join it.
    """
    joined = template["Resources"][logical]["Properties"][key]
    parts = joined["Fn::Join"][1] if isinstance(joined, dict) else [joined]
    intrinsics: list[Any] = []
    text = ""
    for part in parts:
        if isinstance(part, str):
            text += part
        else:
            text += f"@@{len(intrinsics)}@@"
            intrinsics.append(part)

    def restore(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: restore(v) for k, v in value.items()}
        if isinstance(value, list):
            return [restore(v) for v in value]
        if isinstance(value, str) and "@@" in value:
            pieces = re.split(r"@@(\d+)@@", value)
            joined_parts = [
                intrinsics[int(p)] if i % 2 else p for i, p in enumerate(pieces) if p != ""
            ]
            return joined_parts[0] if len(joined_parts) == 1 else {"Fn::Join": ["", joined_parts]}
        return value

    restored: dict[str, Any] = restore(json.loads(text))
    return restored


def _client(stack: Synthesized) -> tuple[str, dict[str, Any]]:
    (found,) = stack.resources("AWS::Cognito::UserPoolClient", translated=False).items()
    return found


def _console_url(stack: Synthesized) -> dict[str, Any]:
    """``<ApiUrl>console``, as the stack writes it (the ApiUrl output is Chalice's URL)."""
    api_url = stack.template["Outputs"]["ApiUrl"]["Value"]
    assert api_url == {
        "Fn::Sub": "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/"
    }
    return {"Fn::Join": ["", [api_url, "console"]]}


# -- the domain ---------------------------------------------------------------------------------


def test_each_stack_has_a_prefix_domain_that_cognito_accepts(
    stacks: dict[str, Synthesized],
) -> None:
    for name, stack in stacks.items():
        (domain,) = stack.resources("AWS::Cognito::UserPoolDomain", translated=False).values()
        props = domain["Properties"]
        assert props["UserPoolId"] == {"Ref": _logical(stack, "AWS::Cognito::UserPool")}, name
        assert "CustomDomainConfig" not in props, name
        assert props["ManagedLoginVersion"] == 1, name  # the classic hosted UI: no branding
        prefixes = {
            _evaluate(props["Domain"], {"AWS::StackId": stack_id}) for stack_id in STACK_IDS
        }
        assert len(prefixes) == len(STACK_IDS), name  # one per stack
        for prefix in prefixes:
            assert PREFIX.fullmatch(prefix), prefix
            assert len(prefix) <= 63, prefix
            assert not [word for word in RESERVED if word in prefix], prefix
            assert re.fullmatch(rf"streamfeed-{stack.stage}-[0-9a-f]{{8}}", prefix), prefix
            assert "123456789012" not in prefix  # the account is not in a public URL


def test_the_api_function_and_an_output_name_the_hosted_domain(stack: Synthesized) -> None:
    domain = _logical(stack, "AWS::Cognito::UserPoolDomain")
    expected = {
        "Fn::Join": ["", ["https://", {"Ref": domain}, f".auth.{REGION}.amazoncognito.com"]]
    }
    functions = stack.resources("AWS::Lambda::Function")
    env = functions["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["STREAMFEED_COGNITO_DOMAIN"] == expected
    assert stack.template["Outputs"]["CognitoDomain"]["Value"] == expected
    # What the deployed value looks like passes the API's setting and turns the link on.
    url = _evaluate(expected, {domain: "streamfeed-prod-c7b2e6a0"})
    assert url == "https://streamfeed-prod-c7b2e6a0.auth.us-east-1.amazoncognito.com"
    config = AuthConfig(
        auth_mode="cognito",
        cognito_user_pool_id="us-east-1_Abc123",
        cognito_client_ids="client-id",
        cognito_domain=url,
    )
    assert sign_in_from(config).hosted
    # The authorizer checks tokens only; it has no use for the domain.
    assert (
        "STREAMFEED_COGNITO_DOMAIN"
        not in functions["JwtAuth"]["Properties"]["Environment"]["Variables"]
    )


# -- the app client -----------------------------------------------------------------------------


def test_the_scopes_and_grant_are_what_the_console_asks_for() -> None:
    script = CORE_JS.read_text()
    (scope,) = re.findall(r'scope: "([^"]*)"', script)
    assert tuple(scope.split()) == CONSOLE_SCOPES
    assert 'response_type: "code"' in script
    assert 'code_challenge_method: "S256"' in script
    assert 'grant_type: "authorization_code"' in script
    # The redirect URI is the page's own URL without its query: <API URL>console.
    assert "function here() { return window.location.origin + window.location.pathname; }" in (
        script
    )
    assert "redirect_uri: here()" in script


def test_the_client_is_public_with_the_code_grant_and_openid_only(
    stacks: dict[str, Synthesized],
) -> None:
    for name, stack in stacks.items():
        _, client = _client(stack)
        props = client["Properties"]
        assert props["GenerateSecret"] is False, name
        assert props["AllowedOAuthFlowsUserPoolClient"] is True, name
        assert props["AllowedOAuthFlows"] == ["code"], name  # no implicit grant
        assert props["AllowedOAuthScopes"] == ["openid"], name
        assert props["SupportedIdentityProviders"] == ["COGNITO"], name
        assert props["PreventUserExistenceErrors"] == "ENABLED", name
        assert props["UserPoolId"] == {"Ref": _logical(stack, "AWS::Cognito::UserPool")}, name
        urls = [CHALICE_API_URL + "console"] if name == CHALICE_MODE else [PLACEHOLDER_CALLBACK]
        assert props["CallbackURLs"] == props["LogoutURLs"] == urls, name
        # Every other property is client_settings(), nothing more or less.
        rest = {k: v for k, v in props.items() if k not in ("UserPoolId", "GenerateSecret")}
        assert rest == client_settings(f"streamfeed-{stack.stage}", urls), name


def test_the_client_keeps_its_logical_id(stack: Synthesized) -> None:
    """The L2 client's construct path: an update, not a new client with a new id."""
    logical, client = _client(stack)
    assert logical == "UsersApiClient7D402E0E"
    assert (
        client["Metadata"]["aws:cdk:path"]
        == f"streamfeed-{stack.stage}/Users/Users/ApiClient/Resource"
    )


def test_a_custom_resource_sets_the_console_url_with_the_whole_configuration(
    stack: Synthesized,
) -> None:
    (logical,) = stack.resources("Custom::AWS", translated=False)
    client_id, client = _client(stack)
    pool = _logical(stack, "AWS::Cognito::UserPool")
    console = _console_url(stack)
    create = _sdk_call(stack.template, logical, "Create")
    assert _sdk_call(stack.template, logical, "Update") == create  # on every update too
    assert "Delete" not in stack.template["Resources"][logical]["Properties"]
    assert create["service"] == "CognitoIdentityProvider"
    assert create["action"] == "UpdateUserPoolClient"
    assert create["physicalResourceId"] == {"id": {"Ref": client_id}}
    params = create["parameters"]
    assert params.pop("UserPoolId") == {"Ref": pool}
    assert params.pop("ClientId") == {"Ref": client_id}
    # Exactly <API URL>console: Chalice's URL of the REST API, then the route.
    assert params["CallbackURLs"] == params["LogoutURLs"] == [console]
    assert stack.template["Outputs"]["ConsoleUrl"]["Value"] == console
    # The call repeats the client's whole configuration (UpdateUserPoolClient resets
    # what it is not given): only the URLs differ from the resource's properties.
    resource = dict(client["Properties"])
    del resource["UserPoolId"], resource["GenerateSecret"]
    assert resource["CallbackURLs"] == [PLACEHOLDER_CALLBACK]
    assert {**resource, "CallbackURLs": [console], "LogoutURLs": [console]} == params
    deployed = _evaluate(
        console, {"RestAPI": "a1b2c3d4e5", "AWS::Region": REGION, "AWS::URLSuffix": "amazonaws.com"}
    )
    assert deployed == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/api/console"


def test_the_custom_resources_role_may_update_clients_of_this_pool_only(
    stack: Synthesized,
) -> None:
    """Cognito has no ARN per app client: the pool is the narrowest resource IAM takes."""
    (function,) = stack.sdk_call_functions()
    resources = stack.template["Resources"]
    role = resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    pool = _logical(stack, "AWS::Cognito::UserPool")
    held = [s for owner, s in statements(stack.template) if owner == role]
    assert held == [
        {
            "Action": "cognito-idp:UpdateUserPoolClient",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [pool, "Arn"]},
        }
    ]
    managed = resources[role]["Properties"]["ManagedPolicyArns"]
    assert len(managed) == 1 and "AWSLambdaBasicExecutionRole" in json.dumps(managed)
    # No other role of the stack touches Cognito.
    others = [
        a
        for owner, s in statements(stack.translated)
        if owner != role
        for a in as_list(s["Action"])
        if a.startswith("cognito-idp:")
    ]
    assert others == []
    # The call waits for its permission.
    (logical,) = stack.resources("Custom::AWS", translated=False)
    policies = [k for k in resources[logical]["DependsOn"]]
    assert all(resources[p]["Type"] == "AWS::IAM::Policy" for p in policies)
    assert stack.template["Resources"][logical]["Properties"]["InstallLatestAwsSdk"] is False


def test_the_chalice_path_sets_its_console_url_directly_and_makes_no_call(
    stacks: dict[str, Synthesized],
) -> None:
    """No API in the stack, so no cycle: `-c api_url` goes into the client itself."""
    stack = stacks[CHALICE_MODE]
    assert not stack.resources("Custom::AWS", translated=False)
    assert not stack.resources("AWS::Lambda::Function")
    outputs = stack.template["Outputs"]
    assert outputs["ConsoleUrl"]["Value"] == CHALICE_API_URL + "console"
    assert "CognitoDomain" in outputs and "ApiUrl" not in outputs


def test_without_api_url_the_chalice_path_keeps_the_placeholder() -> None:
    """In process (seconds): the client, the domain, no call and no console URL."""
    app = cdk.App()
    scope = cdk.Stack(app, "streamfeed-prod", env=cdk.Environment(region=REGION))
    users = UserDirectory(scope, "Users", stage_config("prod", api_mode="chalice"))
    assert users.console_url is None
    template = Template.from_stack(scope).to_json()
    kinds = [r["Type"] for r in template["Resources"].values()]
    assert "Custom::AWS" not in kinds and "AWS::Lambda::Function" not in kinds
    assert "AWS::Cognito::UserPoolDomain" in kinds
    (client,) = [r for r in template["Resources"].values() if r["Type"].endswith("PoolClient")]
    assert client["Properties"]["CallbackURLs"] == [PLACEHOLDER_CALLBACK]


# -- no cycle -----------------------------------------------------------------------------------


def _references(value: Any) -> set[str]:
    """Every resource or parameter name a value refers to (Ref, GetAtt, Sub)."""
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, arg in value.items():
        if key == "Ref":
            found.add(arg)
        elif key == "Fn::GetAtt":
            found.add(arg[0] if isinstance(arg, list) else arg.split(".")[0])
        elif key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            names = {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
            found |= (names - set(variables)) | _references(variables)
        else:
            found |= _references(arg)
    return found


def _cycle(template: dict[str, Any]) -> list[str] | None:
    resources = template["Resources"]
    edges = {
        name: (
            (_references(r.get("Properties", {})) | set(as_list(r.get("DependsOn", []))))
            & set(resources)
        )
        for name, r in resources.items()
    }
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(resources):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_dependency_cycle_in_any_stack(stacks: dict[str, Synthesized]) -> None:
    """As written and as deployed (the REST API's body names the functions' ARNs)."""
    for name, stack in stacks.items():
        assert _cycle(stack.template) is None, name
        assert _cycle(stack.translated) is None, name


def test_the_cycle_check_sees_a_callback_set_on_the_client_itself(dev: Synthesized) -> None:
    """The design this replaces: client -> REST API -> API function -> client."""
    template = json.loads(json.dumps(dev.translated))
    client_id, _ = _client(dev)
    template["Resources"][client_id]["Properties"]["CallbackURLs"] = [_console_url(dev)]
    cycle = _cycle(template)
    assert cycle is not None and {client_id, "RestAPI", "APIHandler"} <= set(cycle)


# -- the chalice deploy path's config -----------------------------------------------------------


def test_set_cognito_stores_the_domain_for_the_console(tmp_path: Path) -> None:
    for file in chalicefiles.CHALICE_DIR.glob("*.json"):
        shutil.copy(file, tmp_path / file.name)
    domain = "https://streamfeed-prod-c7b2e6a0.auth.us-east-1.amazoncognito.com"
    chalicefiles.set_cognito("prod", "us-east-1_Abc123", "client-id", domain, tmp_path)
    env = chalicefiles.load_config(tmp_path)["stages"]["prod"]["environment_variables"]
    assert env["STREAMFEED_COGNITO_DOMAIN"] == domain
    assert env["STREAMFEED_COGNITO_CLIENT_IDS"] == "client-id"
    assert chalicefiles.problems(tmp_path) == []
    chalicefiles.write(tmp_path)  # kept by a rewrite
    env = chalicefiles.load_config(tmp_path)["stages"]["prod"]["environment_variables"]
    assert env["STREAMFEED_COGNITO_DOMAIN"] == domain
    assert AuthConfig(cognito_domain=env["STREAMFEED_COGNITO_DOMAIN"]).cognito_domain == domain
    chalicefiles.set_cognito("prod", "us-east-1_Abc123", "client-id", directory=tmp_path)
    env = chalicefiles.load_config(tmp_path)["stages"]["prod"]["environment_variables"]
    assert "STREAMFEED_COGNITO_DOMAIN" not in env
    for bad in (
        "streamfeed-prod-c7b2e6a0",
        "https://evil.example.com",
        "http://x.auth.us-east-1.amazoncognito.com",
    ):
        with pytest.raises(ValueError, match="not a Cognito domain"):
            chalicefiles.set_cognito("prod", "us-east-1_Abc123", "c", bad, tmp_path)
