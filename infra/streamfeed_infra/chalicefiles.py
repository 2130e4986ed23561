"""The files the ``chalice deploy`` / ``chalice package`` path needs, generated.

``chalice deploy --stage prod`` deploys the API, the authorizer and the
consumer on their own, against the tables, stream and queue the CDK app made.
For that, ``.chalice`` holds, per stage:

- ``config.json``'s stage: the names as environment variables,
  ``autogen_policy: false`` and a policy file per function;
- ``policy-<stage>.json`` (API), ``policy-<stage>-consumer.json``,
  ``policy-<stage>-authorizer.json``: the access matrix on named resources;
- ``merge-<stage>.json``: for ``chalice package --merge-template``, the event
  source mapping settings and the gateway responses (``chalice deploy`` cannot
  set those; ``mapping-command`` prints the AWS CLI call that does);
- ``targets.json``: each stage's region and, once known, its account (see
  :class:`Target`), which the policies' ARNs name.

All are rendered from ``access``, ``config``, ``sam``, ``chalicelib`` and the
targets; ``python -m infra.streamfeed_infra.chalicefiles write`` rewrites them
and the tests fail when a committed file differs from what this module renders.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from chalicelib.consumer.mapping import HANDLER_NAME, MAPPING

from .access import Component, policy_document
from .config import DEFAULT_REGION, STAGES, StageConfig, function_environment, stage_config
from .sam import (
    API_FUNCTION,
    AUTHORIZER_FUNCTION,
    CONSUMER_FUNCTION,
    KINESIS_EVENT,
    REST_API,
    kinesis_event_properties,
    sam_gateway_responses,
)

CHALICE_DIR: Final = Path(__file__).resolve().parents[2] / ".chalice"
APP_NAME: Final = "streamfeed"
AUTHORIZER_HANDLER: Final = "jwt_auth"
#: Filled in from the CDK stack's outputs with ``set-cognito``; kept by ``write``.
#: The domain (the ``CognitoDomain`` output) is optional: the console's hosted sign-in.
COGNITO_KEYS: Final = (
    "STREAMFEED_COGNITO_USER_POOL_ID",
    "STREAMFEED_COGNITO_CLIENT_IDS",
    "STREAMFEED_COGNITO_DOMAIN",
)
#: What the stack's ``CognitoDomain`` output looks like.
_COGNITO_DOMAIN = re.compile(
    r"https://[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.auth(-fips)?\.[a-z0-9-]+\.amazoncognito\.com"
)
TARGETS_FILE: Final = "targets.json"
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
_ACCOUNT = re.compile(r"\d{12}")


@dataclass(frozen=True)
class Target:
    """Where a stage's functions are deployed: what the policies' ARNs name.

    ``chalice deploy`` uses the policy files as they are (no substitution), so
    the region and account must be in them. The region defaults to the CDK
    app's (us-east-1). The account is not known when the files are generated
    in a checkout: until ``set-target --account`` records it, the ARNs name
    ``*`` for the account. That still names every resource by its stage's
    name in its region; another account's resource of the same name would
    also need a resource policy granting this role access before it could be
    reached, so the gap is small, and ``set-target`` closes it.
    """

    region: str = DEFAULT_REGION
    account: str | None = None

    def __post_init__(self) -> None:
        if not _REGION.fullmatch(self.region):
            raise ValueError(f"not an AWS region: {self.region!r}")
        if self.account is not None and not _ACCOUNT.fullmatch(self.account):
            raise ValueError(f"not an AWS account id (12 digits): {self.account!r}")

    def as_json(self) -> dict[str, str | None]:
        return {"region": self.region, "account": self.account}


def deployed_function_names(stage: str) -> dict[Component, str]:
    """Chalice's names: ``<app>-<stage>`` for the API, ``<app>-<stage>-<handler>`` else."""
    return {
        "api": f"{APP_NAME}-{stage}",
        "consumer": f"{APP_NAME}-{stage}-{HANDLER_NAME}",
        "authorizer": f"{APP_NAME}-{stage}-{AUTHORIZER_HANDLER}",
    }


def policy_files(stage: str) -> dict[Component, str]:
    return {
        "api": f"policy-{stage}.json",
        "consumer": f"policy-{stage}-consumer.json",
        "authorizer": f"policy-{stage}-authorizer.json",
    }


def chalice_policy(component: Component, config: StageConfig, target: Target) -> dict[str, Any]:
    """The matrix row plus writing to the function's own log group (Chalice's default)."""
    document = policy_document(component, config.settings, target.account)
    name = deployed_function_names(config.stage)[component]
    where = f"{target.region}:{target.account or '*'}"
    document["Statement"].insert(
        0,
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"arn:aws:logs:{where}:log-group:/aws/lambda/{name}:*"],
        },
    )
    return document


def chalice_environment(config: StageConfig) -> dict[str, str]:
    """The stage's environment variables in ``config.json``.

    Chalice's test client and ``chalice local`` apply the ``dev`` stage's
    variables too, and the tests run each case under its own table prefix and
    with locally signed tokens; so dev names only its stage (every name derives
    from it) and the full, explicit set is for the stages that only run in AWS.
    """
    full = function_environment(config)
    if config.protect:
        return full
    return {key: full[key] for key in ("STREAMFEED_STAGE", "POWERTOOLS_SERVICE_NAME")}


def stage_entry(config: StageConfig, cognito: dict[str, str] | None = None) -> dict[str, Any]:
    """``config.json``'s ``stages.<stage>`` for this path."""
    files = policy_files(config.stage)
    return {
        "api_gateway_stage": "api",
        "autogen_policy": False,
        "iam_policy_file": files["api"],
        "environment_variables": {**chalice_environment(config), **(cognito or {})},
        "lambda_memory_size": config.api.memory,
        "lambda_timeout": config.api.timeout,
        "lambda_functions": {
            HANDLER_NAME: {
                "iam_policy_file": files["consumer"],
                "lambda_memory_size": config.consumer.memory,
                "lambda_timeout": config.consumer.timeout,
            },
            AUTHORIZER_HANDLER: {
                "iam_policy_file": files["authorizer"],
                "lambda_memory_size": config.authorizer.memory,
                "lambda_timeout": config.authorizer.timeout,
            },
        },
    }


def merge_template(config: StageConfig) -> dict[str, Any]:
    """``chalice package --merge-template``: what Chalice's template lacks."""
    settings = config.settings
    stream = {
        "Fn::Sub": "arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:"
        f"stream/{settings.kinesis_stream}"
    }
    queue = {
        "Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:"
        f"{settings.dead_letter_queue}"
    }
    event = kinesis_event_properties(MAPPING, stream, queue)
    # The names `chalice deploy` would give, so the policies' log groups and the
    # CDK stack's alarms (`-c api=chalice`) match on both sub-paths.
    names = deployed_function_names(config.stage)
    return {
        "Resources": {
            CONSUMER_FUNCTION: {
                "Properties": {
                    "FunctionName": names["consumer"],
                    "Events": {KINESIS_EVENT: {"Properties": event}},
                }
            },
            API_FUNCTION: {"Properties": {"FunctionName": names["api"]}},
            AUTHORIZER_FUNCTION: {"Properties": {"FunctionName": names["authorizer"]}},
            REST_API: {"Properties": {"GatewayResponses": sam_gateway_responses()}},
        }
    }


def rendered(stage: str, target: Target | None = None) -> dict[str, Any]:
    """Every generated file of a stage, by name under ``.chalice``."""
    target = target or Target()
    config = stage_config(stage, target.region)
    files: dict[str, Any] = {
        name: chalice_policy(component, config, target)
        for component, name in policy_files(stage).items()
    }
    files[f"merge-{stage}.json"] = merge_template(config)
    return files


def load_targets(directory: Path = CHALICE_DIR) -> dict[str, Target]:
    """Each stage's stored target (the defaults for a stage not stored yet)."""
    path = directory / TARGETS_FILE
    stored: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    return {stage: Target(**stored.get(stage, {})) for stage in STAGES}


def targets_json(targets: dict[str, Target]) -> dict[str, Any]:
    return {stage: targets[stage].as_json() for stage in STAGES}


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def load_config(directory: Path = CHALICE_DIR) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((directory / "config.json").read_text())
    return loaded


def cognito_values(config_json: dict[str, Any], stage: str) -> dict[str, str]:
    env = config_json.get("stages", {}).get(stage, {}).get("environment_variables", {})
    return {key: env[key] for key in COGNITO_KEYS if env.get(key)}


def problems(directory: Path = CHALICE_DIR) -> list[str]:
    """How the committed files differ from what this module renders (empty: in sync)."""
    found: list[str] = []
    config_json = load_config(directory)
    targets = load_targets(directory)
    path = directory / TARGETS_FILE
    if not path.exists() or path.read_text() != dumps(targets_json(targets)):
        found.append(f".chalice/{TARGETS_FILE} is out of date")
    for stage in STAGES:
        for name, document in rendered(stage, targets[stage]).items():
            path = directory / name
            if not path.exists() or path.read_text() != dumps(document):
                found.append(f".chalice/{name} is out of date")
        expected = stage_entry(stage_config(stage), cognito_values(config_json, stage))
        if config_json.get("stages", {}).get(stage) != expected:
            found.append(f".chalice/config.json stage {stage!r} is out of date")
    return found


def write(directory: Path = CHALICE_DIR) -> None:
    config_json = load_config(directory)
    targets = load_targets(directory)
    (directory / TARGETS_FILE).write_text(dumps(targets_json(targets)))
    stages = config_json.setdefault("stages", {})
    for stage in STAGES:
        for name, document in rendered(stage, targets[stage]).items():
            (directory / name).write_text(dumps(document))
        stages[stage] = stage_entry(stage_config(stage), cognito_values(config_json, stage))
    (directory / "config.json").write_text(dumps(config_json))


def set_cognito(
    stage: str,
    pool_id: str,
    client_id: str,
    domain: str | None = None,
    directory: Path = CHALICE_DIR,
) -> None:
    """Store the stack's pool, client and (for the console's sign-in) hosted domain."""
    if domain is not None and not _COGNITO_DOMAIN.fullmatch(domain.rstrip("/")):
        raise ValueError(f"not a Cognito domain (the stack's CognitoDomain output): {domain!r}")
    config_json = load_config(directory)
    values = (pool_id, client_id, domain.rstrip("/") if domain else None)
    cognito = {key: value for key, value in zip(COGNITO_KEYS, values, strict=True) if value}
    config_json["stages"][stage] = stage_entry(stage_config(stage), cognito)
    (directory / "config.json").write_text(dumps(config_json))


def set_target(
    stage: str, region: str, account: str | None = None, directory: Path = CHALICE_DIR
) -> None:
    """Record where ``stage`` is deployed and rewrite its policies for it."""
    targets = load_targets(directory)
    targets[stage] = Target(region, account)
    (directory / TARGETS_FILE).write_text(dumps(targets_json(targets)))
    write(directory)


def mapping_command(stage: str) -> str:
    """The AWS CLI calls that give a ``chalice deploy``-ed consumer the full mapping."""
    config = stage_config(stage)
    function = deployed_function_names(stage)["consumer"]
    m = MAPPING
    queue = config.settings.dead_letter_queue
    bisect = "" if m.bisect_batch_on_function_error else "no-"
    lines = [
        f"FN={shlex.quote(function)}",
        'UUID=$(aws lambda list-event-source-mappings --function-name "$FN" '
        "--query 'EventSourceMappings[0].UUID' --output text)",
        f"QUEUE_URL=$(aws sqs get-queue-url --queue-name {shlex.quote(queue)} "
        "--query QueueUrl --output text)",
        'DLQ=$(aws sqs get-queue-attributes --queue-url "$QUEUE_URL" '
        "--attribute-names QueueArn --query Attributes.QueueArn --output text)",
        'aws lambda update-event-source-mapping --uuid "$UUID" \\\n'
        f"  --function-response-types ReportBatchItemFailures \\\n"
        f"  --{bisect}bisect-batch-on-function-error \\\n"
        f"  --maximum-retry-attempts {m.maximum_retry_attempts} \\\n"
        f"  --maximum-record-age-in-seconds {m.maximum_record_age_in_seconds} \\\n"
        f"  --parallelization-factor {m.parallelization_factor} \\\n"
        '  --destination-config "{\\"OnFailure\\":{\\"Destination\\":\\"$DLQ\\"}}"',
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chalicefiles", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("write", help="rewrite .chalice policy, merge and config entries")
    sub.add_parser("check", help="exit 1 when a generated file is out of date")
    cognito = sub.add_parser("set-cognito", help="store the CDK stack's Cognito ids and domain")
    cognito.add_argument("--stage", choices=STAGES, required=True)
    cognito.add_argument("--user-pool-id", required=True)
    cognito.add_argument("--client-id", required=True)
    cognito.add_argument("--domain", help="the CognitoDomain output (the console's sign-in)")
    target = sub.add_parser("set-target", help="the region and account its policies name")
    target.add_argument("--stage", choices=STAGES, required=True)
    target.add_argument("--region", required=True)
    target.add_argument("--account", help="12-digit account id (default: any account)")
    command = sub.add_parser("mapping-command", help="print the AWS CLI mapping update")
    command.add_argument("--stage", choices=STAGES, required=True)
    args = parser.parse_args(argv)
    if args.command == "write":
        write()
    elif args.command == "check":
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        return 1 if found else 0
    elif args.command == "set-cognito":
        try:
            set_cognito(args.stage, args.user_pool_id, args.client_id, args.domain)
        except ValueError as exc:
            print(f"chalicefiles: {exc}", file=sys.stderr)
            return 2
    elif args.command == "set-target":
        try:
            set_target(args.stage, args.region, args.account)
        except ValueError as exc:
            print(f"chalicefiles: {exc}", file=sys.stderr)
            return 2
    else:
        print(mapping_command(args.stage))
    return 0


if __name__ == "__main__":
    sys.exit(main())
