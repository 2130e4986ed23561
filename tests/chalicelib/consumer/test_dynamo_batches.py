"""The shared batch writer (``chalicelib.dynamo_batches``) on dynalite: repeated keys in one call.

Its retries with backoff are covered where it is used (``test_consumer_failures``,
``tests/chalicelib/feeds/test_dynamo_faults``); this is the part neither caller can show.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib.core import aws, resources
from chalicelib.core.settings import Settings
from chalicelib.dynamo_batches import Batches


def row(term: str, sk: str, tweet: str) -> dict[str, dict[str, str]]:
    return {"term_id": {"S": term}, "sk": {"S": sk}, "tweet_id": {"S": tweet}}


def test_a_key_repeated_in_one_call_is_written_once_and_the_last_row_wins(stage: Settings) -> None:
    client = aws.client(stage, "dynamodb")
    table = stage.table_name(resources.TERM_TWEETS.logical)
    rows = [row("alpha", f"s{n:02d}", f"first-{n}") for n in range(30)]
    rows += [row("alpha", "s03", "second-3"), row("alpha", "s27", "second-27")]
    raw = [{"PutRequest": {"Item": r}} for r in rows[20:]]
    with pytest.raises(ClientError, match="duplicates"):  # what DynamoDB says to the raw batch
        client.batch_write_item(RequestItems={table: raw})

    gone = {"term_id": {"S": "alpha"}, "sk": {"S": "s10"}}
    Batches(client).write(table, rows, deletes=[gone], key=("term_id", "sk"))

    stored = client.query(
        TableName=table,
        KeyConditionExpression="term_id = :t",
        ExpressionAttributeValues={":t": {"S": "alpha"}},
        ConsistentRead=True,
    )["Items"]
    found = {item["sk"]["S"]: item["tweet_id"]["S"] for item in stored}
    assert len(found) == 29 and "s10" not in found  # the delete came after the put
    assert (found["s03"], found["s27"], found["s04"]) == ("second-3", "second-27", "first-4")
