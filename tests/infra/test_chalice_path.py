"""The `chalice deploy` / `chalice package` path: generated files, and prod packages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chalicelib.consumer.mapping import MAPPING
from infra.streamfeed_infra import chalicefiles
from infra.streamfeed_infra.access import policy_document
from infra.streamfeed_infra.config import stage_config
from infra.streamfeed_infra.gatewayresponses import gateway_responses
from tests.infra.conftest import Build

# The first test builds everything (chalice package, four synths): minutes on a cold cache.
pytestmark = pytest.mark.timeout(900)


def test_generated_chalice_files_are_up_to_date() -> None:
    """`python -m infra.streamfeed_infra.chalicefiles write` fixes a failure here."""
    assert chalicefiles.problems() == []


def test_policy_files_are_the_access_matrix_plus_own_logs() -> None:
    targets = chalicefiles.load_targets()
    for stage in ("dev", "prod"):
        target = targets[stage]
        config = stage_config(stage, target.region)
        where = f"{target.region}:{target.account or '*'}"
        for component, name in chalicefiles.policy_files(stage).items():
            document = json.loads((chalicefiles.CHALICE_DIR / name).read_text())
            logs, *rest = document["Statement"]
            function = chalicefiles.deployed_function_names(stage)[component]
            assert logs["Resource"] == [f"arn:aws:logs:{where}:log-group:/aws/lambda/{function}:*"]
            assert rest == policy_document(component, config.settings, target.account)["Statement"]


def _arns(directory: Path, stage: str) -> list[str]:
    found = []
    for name in chalicefiles.policy_files(stage).values():
        for statement in json.loads((directory / name).read_text())["Statement"]:
            found += [r for r in statement["Resource"] if r != "*"]
    return found


def test_policy_files_name_the_stages_region_and_known_account() -> None:
    """Never ``arn:aws:<service>:*:*``: the region always, the account once recorded."""
    targets = chalicefiles.load_targets()
    for stage in ("dev", "prod"):
        arns = _arns(chalicefiles.CHALICE_DIR, stage)
        assert len(arns) > 10
        for arn in arns:
            region, account = arn.split(":")[3:5]
            assert region == targets[stage].region, arn
            assert account == (targets[stage].account or "*"), arn


def test_set_target_renders_the_region_and_account(tmp_path: Path) -> None:
    for file in chalicefiles.CHALICE_DIR.glob("*.json"):
        shutil.copy(file, tmp_path / file.name)
    chalicefiles.set_target("prod", "eu-west-1", "123456789012", tmp_path)
    assert chalicefiles.problems(tmp_path) == []
    for arn in _arns(tmp_path, "prod"):
        assert arn.split(":")[3:5] == ["eu-west-1", "123456789012"], arn
    assert _arns(tmp_path, "dev") == _arns(chalicefiles.CHALICE_DIR, "dev")
    assert chalicefiles.load_targets(tmp_path)["prod"] == chalicefiles.Target(
        "eu-west-1", "123456789012"
    )
    for region, account in (("*", None), ("eu-west-1", "1234"), ("eu-west-1", "*")):
        with pytest.raises(ValueError, match="not an AWS"):
            chalicefiles.set_target("prod", region, account, tmp_path)
    assert chalicefiles.main(["set-target", "--stage", "dev", "--region", "nowhere"]) == 2


def test_prod_stage_names_everything_and_never_autogenerates_policy() -> None:
    stage = chalicefiles.load_config()["stages"]["prod"]
    assert stage["autogen_policy"] is False
    env = stage["environment_variables"]
    assert env["STREAMFEED_NAME_PREFIX"] == "streamfeed-prod"
    assert env["STREAMFEED_STREAM_NAME"] == "streamfeed-prod-tweets"
    assert env["STREAMFEED_DLQ_NAME"] == "streamfeed-prod-consumer-dlq"
    assert env["STREAMFEED_AUTH_MODE"] == "cognito"


def test_chalice_package_prod_uses_the_policy_files_and_merge_template(build: Build) -> None:
    resources = build.packaged.translated["Resources"]
    roles = {k: r for k, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert set(roles) == {"ApiHandlerRole", "ConsumeTweetsRole", "JwtAuthRole"}
    files = chalicefiles.policy_files("prod")
    for role, component in (
        ("ApiHandlerRole", "api"),
        ("ConsumeTweetsRole", "consumer"),
        ("JwtAuthRole", "authorizer"),
    ):
        (policy,) = roles[role]["Properties"]["Policies"]
        on_disk = json.loads((chalicefiles.CHALICE_DIR / files[component]).read_text())
        assert policy["PolicyDocument"] == on_disk
    (esm,) = [r for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    props = esm["Properties"]
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert props["MaximumRetryAttempts"] == MAPPING.maximum_retry_attempts
    assert "streamfeed-prod-consumer-dlq" in json.dumps(props["DestinationConfig"])
    (api,) = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    responses = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    assert set(responses) == {r["ResponseType"] for r in gateway_responses()}
    names = {
        r["Properties"]["FunctionName"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function"
    }
    assert names == set(chalicefiles.deployed_function_names("prod").values())


def test_mapping_command_sets_what_chalice_deploy_cannot() -> None:
    command = chalicefiles.mapping_command("prod")
    assert "--function-response-types ReportBatchItemFailures" in command
    assert "--bisect-batch-on-function-error" in command
    assert f"--maximum-retry-attempts {MAPPING.maximum_retry_attempts}" in command
    assert "streamfeed-prod-consume_tweets" in command
    assert "streamfeed-prod-consumer-dlq" in command


def test_the_lambda_zip_holds_app_chalicelib_and_requirements_only(build: Build) -> None:
    """`chalice package` ships the Lambda's closure: no tool, no streamer, no CDK app."""
    import zipfile

    from tests.support.imports import ROOT, installed_with, package_modules

    with zipfile.ZipFile(build.packaged.path.parent / "deployment.zip") as bundle:
        names = bundle.namelist()
    ours = {n for n in names if n == "app.py" or n.startswith("chalicelib/")}
    sources = (p for p in (ROOT / "chalicelib").rglob("*") if "__pycache__" not in p.parts)
    expected = {"app.py"} | {str(p.relative_to(ROOT)) for p in sources if p.is_file()}
    assert ours == expected
    assert len(package_modules("chalicelib")) == sum(n.endswith(".py") for n in ours) - 1
    tops = {n.split("/")[0] for n in names}
    assert tops.isdisjoint({"tools", "streamer", "infra", "bench", "chaos", "tests"})
    assert {"fakex", "localcloud", "cli", "demo", "tweepy", "click", "rich"}.isdisjoint(tops)
    # Every third-party folder in the zip comes from requirements.txt (or Chalice itself).
    shipped = {n.split("/")[0] for n in names if ".dist-info/" in n}
    allowed = installed_with(ROOT / "requirements.txt")
    assert {d.split("-")[0].lower().replace("_", "-") for d in shipped} <= allowed
