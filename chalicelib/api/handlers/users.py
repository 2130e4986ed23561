"""A user's subscriptions and feed; feed writes to many users and broadcasts."""

from __future__ import annotations

from chalicelib import cards, subscriptions, terms
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
    SubscriptionCreate,
    SubscriptionList,
)


def _user(call: Call) -> str:
    return subscriptions.check_user_id(resolve_user(call.path["user_id"], call.me))


def _present(subscription: subscriptions.Subscription, term: terms.Term | None) -> Subscription:
    return Subscription(
        user_id=subscription.user_id,
        term_id=subscription.term_id,
        value=term.value if term is not None else None,
        enabled=term.enabled if term is not None else None,
        created_at=subscription.created_at,
    )


def list_subscriptions(call: Call) -> Reply[SubscriptionList]:
    listed = subscriptions.list_with_terms(call.runtime.settings, _user(call))
    return Reply(SubscriptionList(items=[_present(s.subscription, s.term) for s in listed]))


def subscribe(call: Call) -> Reply[Subscription]:
    return _subscribe(call, _user(call), call.path["term_id"])


def add_subscription(call: Call) -> Reply[Subscription]:
    """Subscribe by term id or by rule: users cannot list terms, but they know rules."""
    body = call.body_as(SubscriptionCreate)
    user = _user(call)
    term = terms.find_term(call.runtime.settings, term_id=body.term_id, value=body.value)
    try:
        return _subscribe(call, user, term.term_id)
    except terms.TermNotFound:
        if body.value is None:
            raise
        raise terms.no_rule(term.value) from None  # worded as find_term words a missing rule


def _subscribe(call: Call, user: str, term_id: str) -> Reply[Subscription]:
    result = subscriptions.subscribe(
        call.runtime.settings,
        user,
        term_id,
        call.runtime.feeds.register_users,
        call.runtime.feeds.own_count,
        hide_disabled=not call.me.admin,  # an admin may subscribe a user to a disabled term
    )
    location = {"Location": f"/users/{user}/subscriptions/{term_id}"}
    out = _present(result.subscription, result.term)
    return Reply(out, 201, location) if result.created else Reply(out, 200)


def unsubscribe(call: Call) -> Reply[Subscription]:
    subscriptions.unsubscribe(call.runtime.settings, _user(call), call.path["term_id"])
    return Reply(None, 204)


def read_feed(call: Call) -> Reply[FeedPage]:
    query = call.query_as(FeedQuery)
    page = call.runtime.feeds.page(_user(call), query.limit, query.cursor)
    items = [
        FeedItem(id=i.id, content=cards.render(i.id, i.content), created_at=i.created_at)
        for i in page.items
    ]
    return Reply(FeedPage(items=items, next_cursor=page.next_cursor))


def add_item(call: Call) -> Reply[AddReceipt]:
    body = call.body_as(FeedItemCreate)
    user = _user(call)
    feeds = call.runtime.feeds
    feeds.register_users([user])
    result = feeds.add_stream_item(user, body.content, body.created_at, item_id=body.item_id)
    receipt = AddReceipt(id=result.item_id, created_at=result.created_at, recipients=1)
    return Reply(receipt, 201)


def add_items(call: Call) -> Reply[AddReceipt]:
    body = call.body_as(FeedItemsCreate)
    users = list(dict.fromkeys(body.user_ids))
    feeds = call.runtime.feeds
    feeds.register_users(users)
    result = feeds.add_stream_item(users, body.content, body.created_at, item_id=body.item_id)
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
