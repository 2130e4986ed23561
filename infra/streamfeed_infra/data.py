"""The stateful part: tables, the Kinesis stream, the dead-letter queue, log groups.

Every one is built from ``chalicelib/core/resources.py`` and named by the stage's
``Settings``, exactly as ``streamfeed local up`` creates them locally.
"""

from __future__ import annotations

from aws_cdk import CfnCondition, CfnParameter, Duration, Fn, RemovalPolicy, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.core import resources
from chalicelib.core.resources import Key, TableSpec

from .config import StageConfig

_ATTRIBUTE = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTION = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}
SHARD_PARAMETER = "KinesisShardCount"


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE[key.type])


class DataStores(Construct):
    """Tables by logical name, the stream, the dead-letter queue, log groups by component."""

    def __init__(self, scope: Construct, cid: str, config: StageConfig) -> None:
        super().__init__(scope, cid)
        self.config = config
        # Prod keeps its data when the stack (or a resource) is deleted; dev is disposable.
        self.removal = RemovalPolicy.RETAIN if config.protect else RemovalPolicy.DESTROY
        self.tables = {spec.logical: self._table(spec) for spec in resources.TABLES}
        self.stream = self._stream()
        self.dead_letter_queue = self._queue()
        self.log_groups = {name: self._log_group(name) for name in resources.LOG_GROUPS}

    def _table(self, spec: TableSpec) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            f"Table-{spec.logical}",
            table_name=self.config.settings.table_name(spec.logical),
            partition_key=_attribute(spec.hash_key),
            sort_key=_attribute(spec.range_key) if spec.range_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            deletion_protection=self.config.protect,
            removal_policy=self.removal,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.hash_key),
                sort_key=_attribute(index.range_key) if index.range_key else None,
                projection_type=_PROJECTION[index.projection],
                non_key_attributes=list(index.include) or None,
            )
        return table

    def _stream(self) -> kinesis.Stream:
        """On-demand unless the ``KinesisShardCount`` parameter asks for shards.

        A CloudFormation parameter rather than a CDK context value, so an
        operator can switch modes with ``cdk deploy --parameters`` and no code
        change (Kinesis allows two mode switches per 24 hours).
        """
        spec = resources.TWEET_STREAM
        stream = kinesis.Stream(
            self,
            "Tweets",
            stream_name=self.config.settings.kinesis_stream,
            stream_mode=kinesis.StreamMode.ON_DEMAND,
            encryption=kinesis.StreamEncryption.MANAGED
            if spec.encrypted
            else kinesis.StreamEncryption.UNENCRYPTED,
            retention_period=Duration.hours(spec.retention_hours),
            removal_policy=self.removal,
        )
        shards = CfnParameter(
            Stack.of(self),
            SHARD_PARAMETER,
            type="Number",
            default=0,
            min_value=0,
            max_value=4096,
            description="Kinesis shards; 0 (the default) means on-demand capacity.",
        )
        on_demand = CfnCondition(
            self, "OnDemand", expression=Fn.condition_equals(shards.value_as_number, 0)
        )
        cfn = stream.node.default_child
        assert isinstance(cfn, kinesis.CfnStream)
        cfn.stream_mode_details = Fn.condition_if(
            on_demand.logical_id, {"StreamMode": "ON_DEMAND"}, {"StreamMode": "PROVISIONED"}
        )
        cfn.shard_count = Token.as_number(
            Fn.condition_if(on_demand.logical_id, Fn.ref("AWS::NoValue"), shards.value_as_number)
        )
        return stream

    def _queue(self) -> sqs.Queue:
        spec = resources.DEAD_LETTER_QUEUE
        return sqs.Queue(
            self,
            "DeadLetters",
            queue_name=self.config.settings.dead_letter_queue,
            retention_period=Duration.seconds(spec.retention_seconds),
            visibility_timeout=Duration.seconds(spec.visibility_timeout),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            removal_policy=self.removal,
        )

    def _log_group(self, component: str) -> logs.LogGroup:
        group = logs.LogGroup(
            self,
            f"Logs-{component}",
            log_group_name=f"/streamfeed/{self.config.prefix}/{component}",
            removal_policy=self.removal,
        )
        # The L2 takes an enum of named periods; the L1 takes the number itself.
        cfn = group.node.default_child
        assert isinstance(cfn, logs.CfnLogGroup)
        cfn.retention_in_days = resources.LOG_RETENTION_DAYS
        return group
