"""One stage of streamfeed as one CloudFormation stack."""

from __future__ import annotations

from aws_cdk import Aws, CfnOutput, Environment, Stack, Tags
from constructs import Construct

from infra.streamfeed_infra.dashboard import dashboard_name
from infra.streamfeed_infra.targets import Targets, default_targets

from .api import ChaliceApp
from .auth import UserDirectory
from .cache import FeedCache
from .config import StageConfig
from .data import DataStores
from .monitoring import Monitoring
from .streamer import Streamer


def chalice_targets(config: StageConfig) -> Targets:
    """Targets when ``chalice deploy`` owns the functions (``api_mode`` "chalice").

    Chalice names the API handler ``<app>-<stage>`` and every other function
    ``<app>-<stage>-<handler>``.
    """
    base = default_targets(config.settings, account=Aws.ACCOUNT_ID)
    return Targets(
        api_function=f"streamfeed-{config.stage}",
        consumer_function=f"streamfeed-{config.stage}-consume_tweets",
        stream=base.stream,
        dead_letter_queue=base.dead_letter_queue,
        tables=base.tables,
        account=base.account,
    )


class StreamfeedStack(Stack):
    """Tables, stream, queue, streamer, users, the Chalice app, dashboard and alarms.

    With ``feed_backend`` "redis", also the feed cache and its VPC (``cache.py``).
    Outputs include ``ConsoleUrl`` (the operator console, when the stack knows
    the API's URL) and ``CognitoDomain`` (its hosted sign-in, the value of the
    API's ``STREAMFEED_COGNITO_DOMAIN``).
    """

    def __init__(self, scope: Construct, config: StageConfig) -> None:
        super().__init__(
            scope,
            config.stack_name,
            stack_name=config.stack_name,
            env=Environment(region=config.settings.region),
            description=f"streamfeed {config.stage}: X filtered stream to per-user feeds",
            termination_protection=config.protect,
        )
        Tags.of(self).add("project", "streamfeed")
        Tags.of(self).add("stage", config.stage)
        self.config = config
        self.data = DataStores(self, "Data", config)
        self.users = UserDirectory(self, "Users", config)
        self.streamer = Streamer(self, "Streamer", self.data)
        self.cache: FeedCache | None = None
        if config.feed_cache:
            self.cache = FeedCache(self, "FeedCache", config)
        self.app: ChaliceApp | None = None
        if config.api_mode == "cdk":
            self.app = ChaliceApp(self, "Api", self.data, self.users, self.cache)
            self.users.call_back_to(self.app.api_url)
            targets = default_targets(config.settings, account=Aws.ACCOUNT_ID)
        else:
            targets = chalice_targets(config)
        self.monitoring = Monitoring(self, "Monitoring", config, targets)
        self._outputs()

    def _outputs(self) -> None:
        region = self.config.settings.region
        outputs = {
            "UserPoolId": self.users.pool.user_pool_id,
            "UserPoolClientId": self.users.client_id,
            "CognitoDomain": self.users.domain_url,
            "AlarmTopicArn": self.monitoring.topic.topic_arn,
            "StreamName": self.data.stream.stream_name,
            "DashboardUrl": f"https://{region}.console.aws.amazon.com/cloudwatch/home"
            f"?region={region}#dashboards:name={dashboard_name(self.config.settings)}",
        }
        if self.app is not None:
            outputs["ApiUrl"] = self.app.api_url
        if self.users.console_url is not None:
            outputs["ConsoleUrl"] = self.users.console_url
        if self.cache is not None:
            outputs["FeedCacheEndpoint"] = self.cache.endpoint
            outputs["FeedCacheSecretArn"] = self.cache.secret.secret_arn
        for key, value in outputs.items():
            CfnOutput(self, key, value=value)
