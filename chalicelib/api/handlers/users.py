"""A user's subscriptions and feed; feed writes to many users and broadcasts."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib import subscriptions
from chalicelib.api.access import resolve_user
from chalicelib.api.call import Call, Reply
from chalicelib.api.schemas.users import (
    AddReceipt,
    BroadcastCreate,
    BroadcastReceipt,
    FeedItem,
    FeedItemCreate,
    FeedItemsCreate,
    FeedPage,
    FeedQuery,
    Subscription,
    SubscriptionList,
)
from chalicelib.models import SubscriptionModel, bind_models


def _user(call: Call) -> str:
    return subscriptions.check_user_id(resolve_user(call.path["user_id"], call.me))


def _present(call: Call, row: SubscriptionModel) -> Subscription:
    value: str | None = None
    enabled: bool | None = None
    try:
        term = bind_models(call.runtime.settings).terms.get(row.term_id)
        value, enabled = term.value, bool(term.enabled)
    except DoesNotExist:
        pass
    return Subscription(
        user_id=row.user_id,
        term_id=row.term_id,
        value=value,
        enabled=enabled,
        created_at=row.created_at,
    )


def list_subscriptions(call: Call) -> Reply[SubscriptionList]:
    rows = subscriptions.list_subscriptions(call.runtime.settings, _user(call))
    return Reply(SubscriptionList(items=[_present(call, row) for row in rows]))


def subscribe(call: Call) -> Reply[Subscription]:
    feeds = call.runtime.feeds
    result = subscriptions.subscribe(
        call.runtime.settings, _user(call), call.path["term_id"], feeds.register_users
    )
    return Reply(_present(call, result.subscription), 201 if result.created else 200)


def unsubscribe(call: Call) -> Reply[Subscription]:
    subscriptions.unsubscribe(call.runtime.settings, _user(call), call.path["term_id"])
    return Reply(None, 204)


def read_feed(call: Call) -> Reply[FeedPage]:
    query = call.query_as(FeedQuery)
    page = call.runtime.feeds.page(_user(call), query.limit, query.cursor)
    items = [FeedItem(id=i.id, content=i.content, created_at=i.created_at) for i in page.items]
    return Reply(FeedPage(items=items, next_cursor=page.next_cursor))


def add_item(call: Call) -> Reply[AddReceipt]:
    body = call.body_as(FeedItemCreate)
    user = _user(call)
    feeds = call.runtime.feeds
    feeds.register_users([user])
    result = feeds.add_stream_item(user, body.content, body.created_at)
    receipt = AddReceipt(id=result.item_id, created_at=result.created_at, recipients=1)
    return Reply(receipt, 201)


def add_items(call: Call) -> Reply[AddReceipt]:
    body = call.body_as(FeedItemsCreate)
    users = list(dict.fromkeys(body.user_ids))
    feeds = call.runtime.feeds
    feeds.register_users(users)
    result = feeds.add_stream_item(users, body.content, body.created_at)
    receipt = AddReceipt(
        id=result.item_id, created_at=result.created_at, recipients=result.recipients
    )
    return Reply(receipt, 201)


def broadcast(call: Call) -> Reply[BroadcastReceipt]:
    body = call.body_as(BroadcastCreate)
    result = call.runtime.feeds.broadcast(body.content, body.created_at, job_id=body.job_id)
    receipt = BroadcastReceipt(
        job_id=result.job_id,
        item_id=result.item_id,
        created_at=result.created_at,
        recipients=result.recipients,
        resumed=result.resumed,
    )
    return Reply(receipt, 200 if result.resumed else 201)
