"""Running the CDK CLI, Chalice and the SAM translator offline, for tests/infra.

Everything runs with no AWS account: ``cdk synth`` needs no credentials when
nothing looks up the account, ``chalice package`` needs a region only, and the
SAM translator expands Chalice's SAM resources into the CloudFormation that
AWS would deploy, so the tests can look at the real event source mapping.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[2]
INFRA: Final = ROOT / "infra"
CDK: Final = ROOT / "node_modules" / ".bin" / "cdk"
BIN: Final = Path(sys.executable).parent
REGION: Final = "us-east-1"


def offline_env() -> dict[str, str]:
    """No credentials, no telemetry, no version check, no Node end-of-life banner."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STREAMFEED_", "CDK_"))}
    env.update(
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        CDK_DISABLE_CLI_TELEMETRY="true",
        CDK_DISABLE_VERSION_CHECK="true",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="1",
        JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
    )
    return env


def start_synth(stage: str, outdir: Path, *extra: str) -> subprocess.Popen[str]:
    """``cdk synth`` of one stage through the pinned CLI (quiet: templates go to ``outdir``)."""
    command = [
        str(CDK),
        "synth",
        "--quiet",
        "--no-notices",
        "-c",
        f"stage={stage}",
        "-c",
        f"region={REGION}",
        *extra,
        "-o",
        str(outdir),
    ]
    return subprocess.Popen(
        command,
        cwd=INFRA,
        env=offline_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def chalice_package(stage: str, outdir: Path, merge_template: Path | None = None) -> str:
    command = [str(BIN / "chalice"), "package", "--stage", stage]
    if merge_template is not None:
        command += ["--merge-template", str(merge_template)]
    done = subprocess.run(
        [*command, str(outdir)],
        cwd=ROOT,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def cfn_lint(*templates: Path) -> list[dict[str, Any]]:
    """cfn-lint findings (JSON) of the templates; every level, so callers choose."""
    done = subprocess.run(
        [
            str(BIN / "cfn-lint"),
            "--format",
            "json",
            "--regions",
            REGION,
            "--",
            *map(str, templates),
        ],
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.stdout.strip(), done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout)
    return findings


def translate(template: dict[str, Any]) -> dict[str, Any]:
    """The SAM transform, as CloudFormation runs it (no managed policies are referenced)."""
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    copied = json.loads(json.dumps(template))
    for resource in copied["Resources"].values():  # `chalice package` leaves a local path
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function" and isinstance(
            props.get("CodeUri"), str
        ):
            props["CodeUri"] = {"Bucket": "streamfeed-package-bucket", "Key": "deployment.zip"}
    translated: dict[str, Any] = transform(copied, {}, NoManagedPolicies())
    return translated


@dataclass
class Synthesized:
    """One stage's synthesized stack: the template as written and as deployed (SAM expanded)."""

    stage: str
    outdir: Path
    path: Path
    template: dict[str, Any]
    translated: dict[str, Any]
    translated_path: Path
    seconds: float

    def resources(self, kind: str, translated: bool = True) -> dict[str, dict[str, Any]]:
        source = self.translated if translated else self.template
        return {k: v for k, v in source["Resources"].items() if v["Type"] == kind}

    def sdk_call_functions(self) -> set[str]:
        """The functions behind ``AwsCustomResource`` calls (``Custom::AWS``), by logical id."""
        return {
            r["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
            for r in self.template["Resources"].values()
            if r["Type"] == "Custom::AWS"
        }

    def one(self, kind: str, translated: bool = True) -> tuple[str, dict[str, Any]]:
        found = self.resources(kind, translated)
        assert len(found) == 1, f"{len(found)} resources of type {kind}"
        return next(iter(found.items()))
