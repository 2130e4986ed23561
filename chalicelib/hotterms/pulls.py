"""Which hot terms' feeds a user's reads merge in: the feeds' ``PullDirectory`` for streamfeed.

A term that was ever hot holds, in its own feed, the tweets its subscribers
did not get pushed, so every subscriber of such a term pulls that feed from
the moment they subscribed. When no term was ever hot (the usual case) this
costs no request at all; otherwise one Query of the user's subscriptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core import resources
from chalicelib.core.settings import Settings
from chalicelib.core.times import parse_time
from chalicelib.feeds.protocol import Pull
from chalicelib.hotterms.store import TermSpans, term_feed, term_spans

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class HotPulls:
    """Pulls from the ``subscriptions`` table and the terms' spans."""

    def __init__(self, terms: TermSpans, client: DynamoDBClient, subscriptions: str) -> None:
        self.terms = terms
        self.client = client
        self.subscriptions = subscriptions

    def pulls(self, user: str) -> list[Pull]:
        hot = self.terms.ever_hot()
        if not hot:
            return []
        response = self.client.query(
            TableName=self.subscriptions,
            KeyConditionExpression="#u = :u",
            ProjectionExpression="#t, #c, #b",
            ExpressionAttributeNames={
                "#u": "user_id", "#t": "term_id", "#c": "created_at", "#b": "pull_base"
            },
            ExpressionAttributeValues={":u": {"S": user}},
        )  # fmt: skip
        pulls = []
        for row in response.get("Items", []):
            term_id = row["term_id"]["S"]
            if term_id in hot:
                since = parse_time(row["created_at"]["S"].replace("+0000", "Z"))
                base = int(row.get("pull_base", {}).get("N", "0"))
                pulls.append(Pull(term_feed(term_id), since, base))
        return pulls


def hot_pulls(settings: Settings) -> HotPulls:
    """The stage's pull directory, for ``Feeds.from_settings(settings, pulls=...)``."""
    terms = term_spans(settings)
    return HotPulls(terms, terms.client, settings.table_name(resources.SUBSCRIPTIONS.logical))
