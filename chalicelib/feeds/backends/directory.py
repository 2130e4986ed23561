"""Known users (``users`` table) and broadcast progress (``control`` table) on DynamoDB.

Broadcast needs both whatever store holds the feeds: "every known user" is a
fact about the system, not about one feed backend, and progress must outlive
the Lambda that crashed. A backend that implements these protocols itself (the
memory backend) is used instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from chalicelib.core.aws import bulk_dynamodb
from chalicelib.core.models import Models, bind_models
from chalicelib.core.settings import Settings
from chalicelib.core.times import format_time, parse_time
from chalicelib.feeds.backends.batching import WRITE_BATCH, Batcher, chunks
from chalicelib.feeds.backends.counters import is_condition_failure
from chalicelib.feeds.backends.dynamo import run_all
from chalicelib.feeds.protocol import BroadcastJob, UserPage
from chalicelib.feeds.times import utc_now

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: Control-table partition of broadcast jobs (sort key: the job id).
JOBS_PK: Final = "feeds-broadcast"
#: Finished jobs are kept this long (TTL), so a late resume still finds them done.
DONE_JOB_TTL: Final = timedelta(days=30)


class DynamoUserDirectory:
    """Users in the ``users`` table, paged by Scan in its stable key order."""

    def __init__(self, settings: Settings, client: DynamoDBClient | None = None) -> None:
        self.models: Models = bind_models(settings)
        self.client = client if client is not None else bulk_dynamodb(settings)
        self.table = str(self.models.users.Meta.table_name)

    def users_after(self, after: str | None, limit: int) -> UserPage:
        request: dict[str, Any] = {
            "TableName": self.table,
            "Limit": limit,
            "ProjectionExpression": "#u",
            "ExpressionAttributeNames": {"#u": "user_id"},
            "ConsistentRead": True,
        }
        if after is not None:
            request["ExclusiveStartKey"] = {"user_id": {"S": after}}
        response = self.client.scan(**request)
        users = [row["user_id"]["S"] for row in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        # An empty page with a LastEvaluatedKey is not the end: carry on from it.
        return UserPage(users, last["user_id"]["S"] if last else None)

    def register_users(self, users: Iterable[str]) -> None:
        """Make users known (batch puts; registering again refreshes ``created_at``)."""
        now = utc_now()
        rows = [
            self.models.users(user, created_at=now).serialize() for user in dict.fromkeys(users)
        ]
        batcher = Batcher(self.client)
        run_all(lambda batch: batcher.write(self.table, batch), chunks(rows, WRITE_BATCH))


class DynamoJobStore:
    """Broadcast jobs as control records ``(feeds-broadcast, <job id>)``."""

    def __init__(self, settings: Settings, client: DynamoDBClient | None = None) -> None:
        self.models: Models = bind_models(settings)
        self.client = client if client is not None else bulk_dynamodb(settings)
        self.table = str(self.models.control.Meta.table_name)

    def load_job(self, job_id: str) -> BroadcastJob | None:
        response = self.client.get_item(
            TableName=self.table,
            Key={"pk": {"S": JOBS_PK}, "sk": {"S": job_id}},
            ConsistentRead=True,
        )
        if "Item" not in response:
            return None
        data = self.models.control.from_raw_data(response["Item"]).data
        return BroadcastJob(
            job_id=job_id,
            item_id=data["item_id"],
            content=data["content"],
            created_at=parse_time(data["created_at"]),
            after=data["after"],
            recipients=data["recipients"],
            done=data["done"],
        )

    def create_job(self, job: BroadcastJob) -> BroadcastJob:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=self._record(job),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if not is_condition_failure(error):
                raise
            stored = self.load_job(job.job_id)
            if stored is None:  # created and expired in between: practically never
                raise
            return stored
        return job

    def save_job(self, job: BroadcastJob) -> None:
        self.client.put_item(TableName=self.table, Item=self._record(job))

    def _record(self, job: BroadcastJob) -> dict[str, Any]:
        now = utc_now()
        record = self.models.control(
            JOBS_PK,
            sk=job.job_id,
            data={
                "item_id": job.item_id,
                "content": job.content,
                "created_at": format_time(job.created_at),
                "after": job.after,
                "recipients": job.recipients,
                "done": job.done,
            },
            updated_at=now,
            expires_at=now + DONE_JOB_TTL if job.done else None,
        )
        serialized: dict[str, Any] = record.serialize()
        return serialized
