"""Who may touch what: the one access matrix behind every IAM policy.

The CDK app turns it into statements on its own constructs (``grants``);
``chalicefiles`` turns it into the ``.chalice/policy-*.json`` files that
``chalice deploy`` needs (Chalice's policy generation only scans ``app.py``
and cannot see the PynamoDB and boto3 calls in ``chalicelib``). Both render
it through :func:`statements`, so the two deployment paths grant the same
actions on the same resources under the same conditions.

Each :class:`Grant` is one IAM statement: the actions the component's code
calls on one resource, each with where the code calls it. Nothing is granted
by level ("read", "write"): a table the code only gets and queries has no
``Scan``, and no role has ``DescribeTable``, ``ConditionCheckItem`` or
``BatchGetItem`` unless its code calls them. ``tests/infra/test_calls.py``
runs each component's code under moto, records every AWS call it makes, and
checks both directions: every call is allowed by the rendered policy, and
every action granted here was called (a few race-only paths are listed there
with their reason).

Plain data and plain JSON: no CDK import, so the chalice path and the tests
can use it without starting jsii.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from chalicelib.core import resources
from chalicelib.core.resources import KEYSET_SECRET_PREFIX
from chalicelib.core.settings import Settings

Component = Literal["api", "consumer", "authorizer", "streamer"]
#: A summary of a role's actions on one table (the chaos report prints it).
Level = Literal["read", "write", "read_write"]
#: The feed backends a stage can deploy (``config.FEED_BACKENDS``).
FeedBackend = Literal["fanout", "redis"]

#: What the consumer's event source mapping needs: Lambda polls the stream with
#: the function's role (the actions of AWS's AWSLambdaKinesisExecutionRole, less
#: ListStreams). The function's code itself never calls Kinesis.
STREAM_READ: Final[tuple[str, ...]] = (
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
    "kinesis:SubscribeToShard",
)
SECRET_READ: Final[tuple[str, ...]] = ("secretsmanager:GetSecretValue",)
#: A deleted key set's secret stays restorable this many days at least: the
#: shortest window Secrets Manager accepts, and the one ``keysets.store`` asks for.
MIN_RECOVERY_DAYS: Final = 7
#: What Lambda does with a function's role to attach it to a VPC: the EC2 part of
#: AWS's managed AWSLambdaVPCAccessExecutionRole (its logs actions are granted per
#: log group already). Lambda validates these at create time on ``*``: the
#: Describe actions have no resource-level permissions, and a role scoped to
#: named interfaces cannot create the function's network interfaces.
VPC_ACCESS: Final[tuple[str, ...]] = (
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:UnassignPrivateIpAddresses",
)
#: DynamoDB actions that only read (for :attr:`Access.tables`' summary).
_READS: Final = frozenset({"GetItem", "BatchGetItem", "Query", "Scan"})


@dataclass(frozen=True)
class Grant:
    """One IAM statement: actions on one resource, each with the code that calls it.

    ``on`` names the resource: ``table:<logical>``, ``index:<logical>/<index>``,
    ``keyset-secrets`` (every key set's secret), ``queue`` (the dead-letter
    queue), ``stream`` (the tweet stream) or ``metrics`` (CloudWatch, which
    has no resource-level permissions for these actions: ``*``).
    """

    on: str
    #: Action (``dynamodb:GetItem``) -> where the code calls it, or why AWS needs it.
    calls: Mapping[str, str] = field(hash=False)
    #: Only items whose partition key is one of these (``dynamodb:LeadingKeys``);
    #: ``{stream}`` stands for the stage's stream name. Empty: any item.
    partitions: tuple[str, ...] = ()
    #: Only in stages whose feeds live in this backend (the feed tables).
    backend: FeedBackend | None = None
    #: ``DeleteSecret`` only with a recovery window of at least this many days.
    min_recovery_days: int | None = None
    #: ``PutMetricData`` only into the project's namespace.
    own_namespace: bool = False

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(sorted(self.calls))

    @property
    def service(self) -> str:
        return self.actions[0].split(":", 1)[0]

    def condition(self, settings: Settings) -> dict[str, Any] | None:
        """The statement's ``Condition`` for this stage (None: unconditional)."""
        found: dict[str, Any] = {}
        if self.partitions:
            keys = sorted(p.format(stream=settings.kinesis_stream) for p in self.partitions)
            # ForAllValues: every partition key of the request must be listed; the
            # Null test refuses a request that names none (ForAllValues alone
            # would let an empty set through).
            found["ForAllValues:StringEquals"] = {"dynamodb:LeadingKeys": keys}
            found["Null"] = {"dynamodb:LeadingKeys": "false"}
        if self.min_recovery_days is not None:
            # The request must ask for a recovery window (a DeleteSecret without
            # one, or with ForceDeleteWithoutRecovery, carries no such key), and
            # must not force deletion. The keys exist only when the request sends
            # the parameter, hence NumericGreaterThanEquals (absent: no match) and
            # BoolIfExists (absent: match).
            found["NumericGreaterThanEquals"] = {
                "secretsmanager:RecoveryWindowInDays": str(self.min_recovery_days)
            }
            found["BoolIfExists"] = {"secretsmanager:ForceDeleteWithoutRecovery": "false"}
        if self.own_namespace:
            found["StringEquals"] = {"cloudwatch:namespace": settings.metrics_namespace}
        return found or None

    def applies(self, feed_backend: str) -> bool:
        return self.backend is None or self.backend == feed_backend


def table(
    logical: str,
    *,
    index: str | None = None,
    partitions: tuple[str, ...] = (),
    backend: FeedBackend | None = None,
    **calls: str,
) -> Grant:
    """DynamoDB actions (keyword: action name, value: the code calling it) on a table or index."""
    spec = resources.table_spec(logical)  # a typo fails here, not in AWS
    if index is not None:
        assert index in {i.name for i in spec.indexes}, (logical, index)
    on = f"index:{logical}/{index}" if index is not None else f"table:{logical}"
    return Grant(
        on,
        {f"dynamodb:{action}": where for action, where in calls.items()},
        partitions=partitions,
        backend=backend,
    )


def service(on: str, prefix: str, **calls: str) -> Grant:
    """Actions of one non-DynamoDB service on ``on``."""
    return Grant(on, {f"{prefix}:{action}": where for action, where in calls.items()})


@dataclass(frozen=True)
class Access:
    """Everything one component's role may do."""

    grants: tuple[Grant, ...] = ()
    #: Talks to the feed cache when the stage has one (``-c feed_backend=redis``):
    #: runs in the cache's VPC and reads the cache's credentials secret
    #: (``SECRET_READ`` on that one secret, plus ``VPC_ACCESS``). The CDK path
    #: only: the ``chalice deploy`` path has no cache.
    feed_cache: bool = False

    def for_backend(self, feed_backend: str) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if g.applies(feed_backend))

    # A summary per resource kind, for reports (chaos/report.py prints these).
    @property
    def tables(self) -> dict[str, Level]:
        actions: dict[str, set[str]] = {}
        for grant in self.grants:
            if grant.on.startswith(("table:", "index:")):
                logical = grant.on.split(":", 1)[1].split("/", 1)[0]
                actions.setdefault(logical, set()).update(a.split(":", 1)[1] for a in grant.actions)
        return {logical: _level(found) for logical, found in sorted(actions.items())}

    @property
    def stream(self) -> Literal["read", "write"] | None:
        actions = self._actions("stream")
        if not actions:
            return None
        return "write" if "kinesis:PutRecords" in actions else "read"

    @property
    def queue(self) -> Literal["send", "watch"] | None:
        actions = self._actions("queue")
        if not actions:
            return None
        return "send" if "sqs:SendMessage" in actions else "watch"

    @property
    def keyset_secrets(self) -> Literal["read", "manage"] | None:
        actions = self._actions("keyset-secrets")
        if not actions:
            return None
        return "read" if actions <= set(SECRET_READ) else "manage"

    @property
    def read_metrics(self) -> bool:
        return "cloudwatch:GetMetricData" in self._actions("metrics")

    @property
    def put_metrics(self) -> bool:
        return "cloudwatch:PutMetricData" in self._actions("metrics")

    def _actions(self, on: str) -> set[str]:
        return {a for g in self.grants if g.on == on for a in g.actions}


def _level(actions: set[str]) -> Level:
    if actions <= _READS:
        return "read"
    return "read_write" if actions & _READS else "write"


# Where the code makes each call (module paths below chalicelib unless named).
_TERM = "terms.service"
_SUBS = "subscriptions.service"
_KEYS = "core.keysets.service"
_SPANS = "hotterms.store.TermSpans"
_DIRECTORY = "feeds.backends.directory"
_ROWS = "feeds.backends.dynamo.DynamoBackend"
_COUNTERS = "feeds.backends.counters.FeedCounters"
_STORE = "consumer.store.TweetStore"
_IDEMPOTENT = "api.idempotency via Powertools' DynamoDBPersistenceLayer"

#: The matrix. Read it as "component X may do this, and nothing else".
MATRIX: Final[dict[Component, Access]] = {
    # Every route: terms, key sets (and their secrets), subscriptions, feeds,
    # broadcasts; tweets and timelines are read-only; /status reads metrics,
    # the dead-letter queue's depth and the consumer's totals.
    "api": Access(
        grants=(
            table(
                "terms",
                GetItem=f"{_TERM}: get_term, find_term, create_term's early duplicate check; "
                f"{_SPANS}._settle re-reads a term after a lost race",
                BatchGetItem=f"{_SUBS}.list_with_terms: a user's terms in one batch",
                Scan=f"{_TERM}.list_terms (GET /terms, /status: at most 1,000 rules); "
                f"{_SPANS}.ever_hot (feed reads: which terms ever were hot)",
                PutItem=f"{_TERM}.create_term",
                UpdateItem=f"{_TERM}.set_enabled; {_SPANS}.count_subscriber and _save "
                "(subscribe, unsubscribe: the count and the hot spans)",
                DeleteItem=f"{_TERM}.delete_term",
            ),
            table(
                "keysets",
                GetItem=f"{_KEYS}._row (get, replace, delete, read_values)",
                Scan=f"{_KEYS}.list_keysets (GET /keysets; resolving the default)",
                PutItem=f"{_KEYS}.create_keyset, replace_keyset",
                DeleteItem=f"{_KEYS}.delete_keyset; create_keyset's rollback",
            ),
            table(
                "tweets",
                GetItem="timelines.service.get_tweet",
                BatchGetItem="timelines.service.term_tweets: a page's tweets",
            ),
            table("term-tweets", Query="timelines.service.term_tweets"),
            table(
                "subscriptions",
                GetItem=f"{_SUBS}._read",
                Query=f"{_SUBS}.list_subscriptions, subscribe's counts; "
                "hotterms.pulls.HotPulls.pulls (feed reads)",
                PutItem=f"{_SUBS}.subscribe",
                DeleteItem=f"{_SUBS}.unsubscribe",
                BatchWriteItem=f"{_TERM}.delete_term: the term's subscriptions",
            ),
            table(
                "subscriptions",
                index="by-term",
                Query=f"{_TERM}.delete_term: the term's subscribers",
            ),
            table(
                "users",
                BatchWriteItem=f"{_DIRECTORY}.DynamoUserDirectory.register_users "
                "(subscribe, feed writes)",
                Scan=f"{_DIRECTORY}.DynamoUserDirectory.users_after: a broadcast's "
                "recipients, page by page",
            ),
            table(
                "control",
                GetItem=f"{_KEYS}.stored_default; {_DIRECTORY}.DynamoJobStore.load_job",
                Query="status.reader: the streamers' status records, the consumer's totals",
            ),
            # Writes to control: only the default key set and broadcast jobs. The
            # lease, status records, checkpoints and attempt counters are other
            # partitions, out of reach.
            table(
                "control",
                partitions=("config", "feeds-broadcast"),
                PutItem=f"{_KEYS}.set_default (config); {_DIRECTORY}.DynamoJobStore "
                "create_job, save_job (feeds-broadcast)",
            ),
            table("control", partitions=("config",), DeleteItem=f"{_KEYS}.clear_default"),
            # Powertools' Idempotency utility (api.idempotency, DynamoDBPersistenceLayer).
            table(
                "idempotency",
                GetItem=f"{_IDEMPOTENT}._get_record: a repeat's record, when DynamoDB's "
                "refusal of the put does not carry it",
                PutItem=f"{_IDEMPOTENT}._put_record: the request's record, in progress "
                "(conditional: the first request wins)",
                UpdateItem=f"{_IDEMPOTENT}._update_record: the answer, once it succeeded",
                DeleteItem=f"{_IDEMPOTENT}._delete_record: a failed request's record, so "
                "a retry runs it again",
            ),
            table(
                "feeds",
                backend="fanout",
                BatchWriteItem=f"{_ROWS}.add_many: feed rows",
                Query=f"{_ROWS}._query: pages, and the oldest rows of a trim",
                DeleteItem=f"{_ROWS}._delete_row (trims past STREAMFEED_FEED_MAX_LENGTH)",
            ),
            table(
                "feed-counters",
                backend="fanout",
                Query=f"{_COUNTERS}.total (a feed's length)",
                GetItem=f"{_COUNTERS}._count_group re-reads the counted ids after a refusal",
                UpdateItem=f"{_COUNTERS}.count_items, add, _forget_oldest",
            ),
            service(
                "keyset-secrets",
                "secretsmanager",
                CreateSecret="core.keysets.store.put_secret",
                PutSecretValue="core.keysets.store.put_secret (an existing key set)",
                RestoreSecret="core.keysets.store.put_secret (a key set deleted and re-added)",
                GetSecretValue="core.keysets.store.read_secret (X's dry run of a new term)",
            ),
            Grant(
                "keyset-secrets",
                {"secretsmanager:DeleteSecret": "core.keysets.store.delete_secret (7-day window)"},
                min_recovery_days=MIN_RECOVERY_DAYS,
            ),
            service(
                "queue",
                "sqs",
                GetQueueUrl="status.queue.queue_depth",
                GetQueueAttributes="status.queue.queue_depth",
            ),
            service("metrics", "cloudwatch", GetMetricData="status.metrics.fetch_metrics"),
        ),
        feed_cache=True,
    ),
    # Stores tweets, writes timelines, looks up subscribers (by-term index),
    # fans out into the feed tables, counts record attempts and totals in control.
    "consumer": Access(
        grants=(
            table(
                "tweets",
                BatchGetItem=f"{_STORE}.known_terms (is a tweet stored, for which terms)",
                BatchWriteItem=f"{_STORE}.put_tweets",
                UpdateItem=f"{_STORE}.add_terms (a stored tweet matched more terms)",
            ),
            table("term-tweets", BatchWriteItem=f"{_STORE}.add_timeline"),
            table(
                "subscriptions",
                index="by-term",
                Query="consumer.subscribers.SubscriberLookup._read",
            ),
            table(
                "terms",
                BatchGetItem=f"{_SPANS}.spans (which terms are hot when)",
                UpdateItem=f"{_SPANS}._save (spans that a count change left unsettled)",
                GetItem=f"{_SPANS}._settle re-reads a term after a lost race",
            ),
            # Attempt counters and totals only: not the lease, the status records,
            # the default key set or broadcast jobs.
            table(
                "control",
                partitions=("attempts#{stream}", "consumer-totals"),
                UpdateItem="consumer.attempts.AttemptCounter.failed; "
                "consumer.totals.ConsumerTotals.add",
            ),
            table(
                "feeds",
                backend="fanout",
                BatchWriteItem=f"{_ROWS}.add_many: feed rows",
                Query=f"{_ROWS}._query: the oldest rows of a trim",
                DeleteItem=f"{_ROWS}._delete_row (trims)",
            ),
            table(
                "feed-counters",
                backend="fanout",
                BatchGetItem=f"{_COUNTERS}.load_tallies (the shard's counter rows)",
                BatchWriteItem=f"{_ROWS}._count_marked: the new tallies",
                Query=f"{_COUNTERS}.total (trims)",
            ),
            Grant("stream", dict.fromkeys(STREAM_READ, "the event source mapping polls")),
            service(
                "queue",
                "sqs",
                GetQueueUrl="consumer.quarantine.DeadLetterQueue.url",
                SendMessage="consumer.quarantine.DeadLetterQueue.send; the event source "
                "mapping's on-failure destination",
            ),
        ),
        feed_cache=True,
    ),
    # Verifies Cognito tokens against the pool's public JWKS: no AWS call, no
    # feeds, so it stays out of the cache's VPC.
    "authorizer": Access(),
    # Syncs terms to X rules, resolves its key set, holds the lease and writes
    # status in control, ships to Kinesis, publishes its metrics.
    "streamer": Access(
        grants=(
            table(
                "terms",
                Scan="streamer.control.TableTerms: every term, each poll",
                UpdateItem="streamer.rulesync.record_states (sync state, X's rule id)",
            ),
            table(
                "keysets",
                GetItem=f"{_KEYS}._row (resolving the key set)",
                Scan=f"{_KEYS}.list_keysets (the only key set; naming the known ones)",
            ),
            table(
                "control",
                GetItem=f"streamer.lease.Lease holders; {_KEYS}.stored_default",
            ),
            table(
                "control",
                partitions=("streamer",),
                PutItem="streamer.lease.Lease.acquire; streamer.heartbeat.StatusRecord",
                DeleteItem="streamer.lease.Lease.release",
            ),
            service("stream", "kinesis", PutRecords="streamer.kinesis_sink.KinesisSink"),
            service("keyset-secrets", "secretsmanager", GetSecretValue="core.keysets.store"),
            Grant(
                "metrics",
                {"cloudwatch:PutMetricData": "streamer.heartbeat.MetricsPublisher.publish"},
                own_namespace=True,
            ),
        ),
    ),
}


def keyset_secret_pattern(settings: Settings) -> str:
    """Name pattern of every key set's secret (Secrets Manager adds ``-XXXXXX``)."""
    return settings.secret_name(f"{KEYSET_SECRET_PREFIX}*")


@dataclass(frozen=True)
class Arns:
    """How a rendering names resources: CDK tokens, or the stage's literal ARNs."""

    table: Callable[[str], str]
    stream: str
    queue: str
    keyset_secrets: str

    def of(self, on: str) -> str:
        kind, _, rest = on.partition(":")
        if kind == "table":
            return self.table(rest)
        if kind == "index":
            logical, index = rest.split("/", 1)
            return f"{self.table(logical)}/index/{index}"
        found = {
            "stream": self.stream,
            "queue": self.queue,
            "keyset-secrets": self.keyset_secrets,
            "metrics": "*",
        }
        return found[on]


def statements(
    component: Component, settings: Settings, arns: Arns, feed_backend: str = "fanout"
) -> list[dict[str, Any]]:
    """The matrix row as IAM statements, one per grant, on ``arns``' resources."""
    found = []
    for grant in MATRIX[component].for_backend(feed_backend):
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Action": list(grant.actions),
            "Resource": [arns.of(grant.on)],
        }
        condition = grant.condition(settings)
        if condition is not None:
            statement["Condition"] = condition
        found.append(statement)
    return found


def named_arns(settings: Settings, account: str | None) -> Arns:
    """The stage's resources by name, in its region; any account when ``account`` is None."""
    where = f"{settings.region}:{account or '*'}"

    def arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:{where}:{resource}"

    return Arns(
        table=lambda logical: arn("dynamodb", f"table/{settings.table_name(logical)}"),
        stream=arn("kinesis", f"stream/{settings.kinesis_stream}"),
        queue=arn("sqs", settings.dead_letter_queue),
        keyset_secrets=arn("secretsmanager", f"secret:{keyset_secret_pattern(settings)}"),
    )


def policy_document(
    component: Component, settings: Settings, account: str | None = None
) -> dict[str, Any]:
    """The matrix row as an IAM policy on named resources in the stage's region.

    Used by the ``chalice deploy`` path, which cannot reference CDK resources:
    resources are matched by the stage's names, never by ``*``, in
    ``settings.region``, and in ``account`` when it is known (else any
    account: see ``chalicefiles.Target``). That path has the ``fanout``
    backend only.
    """
    document = statements(component, settings, named_arns(settings, account))
    return {"Version": "2012-10-17", "Statement": document}
