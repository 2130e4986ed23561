"""The streamer on ECS Fargate: one ARM64 task holding the X connection.

Network: a VPC with public subnets only and a public IP on the task, so it
reaches X and the AWS APIs through the internet gateway. No NAT gateway
(about $32/month plus $0.045/GB) and no interface endpoints (about $7/month
each per AZ); nothing listens, so the security group has no inbound rule.

Secrets: none in the task definition. The streamer reads its key set's
bearer token from Secrets Manager at run time (``chalicelib.core.keysets``), by the
key set's name, so replacing a key set through the API or choosing another
default needs a task restart, not a redeploy; the task role may read only the
stage's ``keysets/*`` secrets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from aws_cdk import Aws, CfnParameter, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from .config import streamer_environment
from .data import DataStores
from .grants import grant_component

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
DESIRED_PARAMETER: Final = "StreamerDesiredCount"


def image_sources(dockerfile: Path = REPO_ROOT / "Dockerfile") -> tuple[str, ...]:
    """What the Dockerfile's ``COPY`` lines take from the repository, in order."""
    sources: list[str] = []
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            sources += [w.rstrip("/") for w in words[1:-1] if not w.startswith("--")]
    return tuple(sources)


#: Only what the Dockerfile copies goes into the image asset, so an edited
#: README or test does not change the asset hash and rebuild the image.
IMAGE_FILES: Final = ("Dockerfile", *image_sources())


def image_excludes() -> list[str]:
    """Exclude everything, then re-include the Dockerfile's inputs (.dockerignore rules)."""
    return [
        "*",
        "**/*",
        *(f"!{name}" for name in IMAGE_FILES),
        *(f"!{name}/**" for name in IMAGE_FILES),
        "**/__pycache__",
    ]


class Streamer(Construct):
    """Cluster, task definition (image asset from the Dockerfile) and the service."""

    def __init__(self, scope: Construct, cid: str, data: DataStores) -> None:
        super().__init__(scope, cid)
        config = data.config
        self.vpc = ec2.Vpc(
            self,
            "Network",
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)
            ],
        )
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=self.vpc, cluster_name=f"{config.prefix}-streamer"
        )
        self.task = ecs.FargateTaskDefinition(
            self,
            "Task",
            cpu=config.streamer_cpu,
            memory_limit_mib=config.streamer_memory,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        self.container = self.task.add_container(
            "streamer",
            image=ecs.ContainerImage.from_asset(
                str(REPO_ROOT),
                file="Dockerfile",
                platform=ecr_assets.Platform.LINUX_ARM64,
                exclude=image_excludes(),
            ),
            logging=ecs.LogDriver.aws_logs(
                stream_prefix="streamer", log_group=data.log_groups["streamer"]
            ),
            environment={
                **streamer_environment(config),
                "STREAMFEED_REGION": Aws.REGION,
                "STREAMFEED_STREAM_NAME": data.stream.stream_name,
            },
        )
        grant_component("streamer", self.task.task_role, data, self)
        self.security_group = ec2.SecurityGroup(
            self,
            "Egress",
            vpc=self.vpc,
            description="streamer: outbound HTTPS only, nothing inbound",
            allow_all_outbound=False,
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "X API and AWS APIs"
        )
        # One streamer at a time: ECS stops the old task before it starts the
        # new one (min 0 %, max 100 %); the lease in the control table covers
        # the seconds in between. A task that keeps failing rolls back.
        # 1, or 0 for the very first deploy: with no key set stored yet the
        # streamer exits at start, and three failed starts trip the circuit
        # breaker, which fails (and rolls back) a stack that is being created.
        running = CfnParameter(
            Stack.of(self),
            DESIRED_PARAMETER,
            type="Number",
            default=1,
            min_value=0,
            max_value=1,
            description="Streamer tasks: 1, or 0 until the first key set is stored.",
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task,
            service_name=f"{config.prefix}-streamer",
            desired_count=running.value_as_number,
            min_healthy_percent=0,
            max_healthy_percent=100,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            assign_public_ip=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_groups=[self.security_group],
            platform_version=ecs.FargatePlatformVersion.LATEST,
        )
