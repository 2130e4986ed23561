"""PynamoDB models: the shape of every item, one class per kind of item.

These classes are unbound templates: ``Meta.table_name`` holds the logical name
from ``chalicelib.core.resources``. Use ``bind_models(settings)`` to get classes bound
to a stage's physical tables and endpoint.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.core import resources


class TermModel(Model):
    """A filter term: one X rule. ``tag`` lets a delivered tweet name its terms."""

    class Meta:
        table_name = resources.TERMS.logical

    term_id = UnicodeAttribute(hash_key=True)
    value = UnicodeAttribute()
    tag = UnicodeAttribute()
    enabled = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    #: pending (not yet sent to X), active (X holds it) or rejected (X said no).
    sync_state = UnicodeAttribute(default="pending")
    x_rule_id = UnicodeAttribute(null=True)
    sync_error = UnicodeAttribute(null=True)
    #: Subscriptions to this term (kept by subscribe and unsubscribe).
    subscribers = NumberAttribute(null=True)
    #: When its tweets are pulled at read time: see ``chalicelib.hotterms.spans``.
    hot_spans = ListAttribute(of=UnicodeAttribute, null=True)
    spans_version = NumberAttribute(null=True)


class KeySetModel(Model):
    """A named X API key set. The secret values live in Secrets Manager only."""

    class Meta:
        table_name = resources.KEYSETS.logical

    name = UnicodeAttribute(hash_key=True)
    secret_id = UnicodeAttribute()
    #: The last 4 characters of the bearer token, to tell key sets apart.
    hint = UnicodeAttribute()
    has_user_context = BooleanAttribute(default=False)
    description = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class TweetModel(Model):
    """A stored tweet: what the API and feeds read, plus X's payload compressed."""

    class Meta:
        table_name = resources.TWEETS.logical

    tweet_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute()
    author_id = UnicodeAttribute()
    author_username = UnicodeAttribute(null=True)
    text = UnicodeAttribute()
    lang = UnicodeAttribute(null=True)
    term_ids = UnicodeSetAttribute(null=True)
    retweet_of = UnicodeAttribute(null=True)
    quote_of = UnicodeAttribute(null=True)
    reply_to = UnicodeAttribute(null=True)
    #: The stream line as X sent it, zlib-compressed, so nothing X sent is lost.
    payload = BinaryAttribute(legacy_encoding=False, null=True)
    stored_at = UTCDateTimeAttribute()


class TermTweetModel(Model):
    """One entry of a term's timeline; ``sk`` sorts by time, then tweet id."""

    class Meta:
        table_name = resources.TERM_TWEETS.logical

    term_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tweet_id = UnicodeAttribute()


class SubscriptionsByTerm(GlobalSecondaryIndex["SubscriptionModel"]):  # type: ignore[no-untyped-call]
    """A term's subscribers, for fan-out."""

    class Meta:
        index_name = resources.SUBSCRIPTIONS.indexes[0].name
        projection = KeysOnlyProjection()

    term_id = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class SubscriptionModel(Model):
    """A user follows a term: matching tweets land in the user's feed."""

    class Meta:
        table_name = resources.SUBSCRIPTIONS.logical

    user_id = UnicodeAttribute(hash_key=True)
    term_id = UnicodeAttribute(range_key=True)
    created_at = UTCDateTimeAttribute()
    #: The term feed's count when subscribing: what the user's ``len()`` leaves out.
    pull_base = NumberAttribute(null=True)
    by_term = SubscriptionsByTerm()


class UserModel(Model):
    """A known user: someone with a feed, a subscription or an API identity."""

    class Meta:
        table_name = resources.USERS.logical

    user_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute()


class ControlRecord(Model):
    """A singleton record: lease, status, checkpoint or job progress.

    ``version`` makes conditional (optimistic) updates possible, which the
    streamer lease needs to keep a single connection to X.
    """

    class Meta:
        table_name = resources.CONTROL.logical

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = JSONAttribute(null=True)
    version = NumberAttribute(default=0)
    updated_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute(null=True)
    #: Lease fields, top-level so that conditional writes can test them.
    holder = UnicodeAttribute(null=True)
    lease_until = NumberAttribute(null=True)


class FeedItemModel(Model):
    """`fanout` backend: a recipient's copy of a feed item.

    Lean: ``sk`` holds the item's time and id, so a row is the key and the
    content (rows written before 2026-12-04 also repeat ``item_id`` and
    ``created_at``; reads ignore them).
    """

    class Meta:
        table_name = resources.FEEDS.logical

    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    content = UnicodeAttribute()


class FeedMessageModel(Model):
    """`shared` backend: an item's content, stored once for all recipients."""

    class Meta:
        table_name = resources.FEED_MESSAGES.logical

    item_id = UnicodeAttribute(hash_key=True)
    content = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class FeedIndexModel(Model):
    """`shared` backend: a recipient's pointer to a feed message: the key alone.

    ``sk`` ends with the message's item id (older rows also repeat it as ``item_id``).
    """

    class Meta:
        table_name = resources.FEED_INDEX.logical

    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class FeedCounterModel(Model):
    """How many items a user's feed holds in one backend (``feed``: fanout, shared).

    A user's count is the sum of their rows: the shared one (``feed`` is the
    backend), updated atomically, whose ``recent_ids`` remember the last item
    ids counted so a retried write is not counted twice; and one per batch
    writer (``<backend>@<writer>``), see ``chalicelib.feeds.backends.counters``.
    """

    class Meta:
        table_name = resources.FEED_COUNTERS.logical

    user_id = UnicodeAttribute(hash_key=True)
    feed = UnicodeAttribute(range_key=True)
    item_count = NumberAttribute(default=0)
    recent_ids = ListAttribute(of=UnicodeAttribute, null=True)
    #: Rows of one batch writer (``feed`` = ``<backend>@<writer>``): see ``feeds.tally``.
    through = UnicodeAttribute(null=True)
    guard = BinaryAttribute(null=True, legacy_encoding=False)


#: Every model, in the order of ``resources.TABLES``.
ALL_MODELS: tuple[type[Model], ...] = (
    TermModel,
    KeySetModel,
    TweetModel,
    TermTweetModel,
    SubscriptionModel,
    UserModel,
    ControlRecord,
    FeedItemModel,
    FeedMessageModel,
    FeedIndexModel,
    FeedCounterModel,
)
