"""Every HTTP operation, declared once: path, method, access, models, handler.

``app.py`` wires each one to a Chalice route, :mod:`dispatch` enforces what
is declared here, and :mod:`openapi` documents it, so the three cannot drift.
A test checks the table against the app's routes in both directions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel

from chalicelib.api.access import Access
from chalicelib.api.call import Call, Reply
from chalicelib.api.handlers import keysets, system, terms, tweets, users
from chalicelib.api.schemas import common
from chalicelib.api.schemas import keysets as keyset_schemas
from chalicelib.api.schemas import status as status_schemas
from chalicelib.api.schemas import terms as term_schemas
from chalicelib.api.schemas import tweets as tweet_schemas
from chalicelib.api.schemas import users as user_schemas
from chalicelib.core.keysets import NAME_PATTERN
from chalicelib.terms.normalize import TERM_ID_PATTERN
from chalicelib.timelines import TWEET_ID_PATTERN
from chalicelib.userids import USER_ID_PATTERN

Handler = Callable[[Call], Reply[Any]]


@dataclass(frozen=True)
class PathParam:
    pattern: str
    max_length: int
    description: str

    def matches(self, value: str) -> bool:
        return len(value) <= self.max_length and re.fullmatch(self.pattern, value) is not None


PATH_PARAMS: Final = {
    "term_id": PathParam(TERM_ID_PATTERN, 21, "A term's id (also its X rule tag)."),
    "name": PathParam(NAME_PATTERN, 64, "A key set's name."),
    "user_id": PathParam(USER_ID_PATTERN, 128, "A user id, or `me` for the caller."),
    "tweet_id": PathParam(TWEET_ID_PATTERN, 19, "An X tweet id."),
}


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str
    summary: str
    tag: str
    access: Access
    handler: Handler | None
    response: type[BaseModel] | None
    status: int = 200
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    also: tuple[int, ...] = ()  # other success statuses (e.g. 200 for an existing item)
    #: Anything but JSON is served outside dispatch (the status page's HTML).
    media_type: str = "application/json"
    #: Replaces the access rule's standard sentence in the OpenAPI document.
    access_note: str | None = None
    #: Takes an ``Idempotency-Key`` header: a repeat gets the first answer (``idempotency``).
    idempotent: bool = False

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{([a-z_]+)}", self.path)


def _op(*args: Any, **kwargs: Any) -> Operation:
    return Operation(*args, **kwargs)


T, K, U, W, S = "terms", "keysets", "users", "tweets", "system"
TERM_READERS: Final = (
    "Any valid token. Outside the admin and service groups, only the timeline of a term "
    "the caller subscribes to: any other term answers 404, exactly as an unknown one."
)
SUBSCRIBERS: Final = (
    "The user in the path (or `me`), or an admin. A disabled term answers 404, exactly as "
    "an unknown one, unless the user already follows it or an admin acts for them."
)
OPERATIONS: Final[tuple[Operation, ...]] = (
    _op("getHealth", "GET", "/health", "Is this deployment up and configured?", S, "public",
        None, common.Health),
    _op("getOpenApi", "GET", "/openapi.json", "This document.", S, "public", None, None),
    _op("getMe", "GET", "/me", "The caller as the API sees them.", S, "user",
        system.whoami, common.Me),
    _op("getStatus", "GET", "/status", "Stream status, throughput, lag, DLQ, terms' sync.", S,
        "admin", system.status, status_schemas.Status),
    _op("getStatusPage", "GET", "/status/page", "The status page (HTML) for people.", S,
        "public", None, None, errors=(401, 403), media_type="text/html",
        access_note="Public when `STREAMFEED_STATUS_PAGE_PUBLIC` is on; otherwise the page "
        "asks for an admin token and sends it back as `Authorization: Bearer`."),
    _op("getConsole", "GET", "/console", "The operator console (HTML) for people.", S,
        "public", None, None, media_type="text/html",
        access_note="Anyone gets the same page, with no data in it; its script calls this API "
        "with the token it asks for (`Authorization: Bearer`), so each call has its own rule."),
    _op("listTerms", "GET", "/terms", "Every filter term.", T, "admin",
        terms.list_terms, term_schemas.TermList),
    _op("createTerm", "POST", "/terms", "Add a filter term (an X rule).", T, "admin",
        terms.create_term, term_schemas.TermCreated, 201, term_schemas.TermCreate,
        errors=(409, 422)),
    _op("getTerm", "GET", "/terms/{term_id}", "One term with its sync state.", T, "admin",
        terms.get_term, term_schemas.Term, errors=(404,)),
    _op("updateTerm", "PATCH", "/terms/{term_id}", "Enable or disable a term.", T, "admin",
        terms.update_term, term_schemas.Term, body=term_schemas.TermUpdate, errors=(404,)),
    _op("deleteTerm", "DELETE", "/terms/{term_id}", "Delete a term and its subscriptions.", T,
        "admin", terms.delete_term, None, 204, errors=(404,)),
    _op("listTermTweets", "GET", "/terms/{term_id}/tweets", "A term's tweets, newest first.", W,
        "user", tweets.list_term_tweets, tweet_schemas.TweetPage,
        query=tweet_schemas.TweetQuery, errors=(404,), access_note=TERM_READERS),
    _op("getTweet", "GET", "/tweets/{tweet_id}", "One stored tweet.", W, "user",
        tweets.get_tweet, tweet_schemas.Tweet, query=tweet_schemas.TweetGetQuery, errors=(404,)),
    _op("listKeySets", "GET", "/keysets", "Every key set (hints only) and the default.", K,
        "admin", keysets.list_keysets, keyset_schemas.KeySetList),
    _op("createKeySet", "POST", "/keysets", "Store a new X API key set.", K, "admin",
        keysets.create_keyset, keyset_schemas.KeySet, 201, keyset_schemas.KeySetCreate,
        errors=(409,)),
    _op("getKeySet", "GET", "/keysets/{name}", "One key set (hint only).", K, "admin",
        keysets.get_keyset, keyset_schemas.KeySet, errors=(404,)),
    _op("replaceKeySet", "PUT", "/keysets/{name}", "Replace a key set's secrets.", K, "admin",
        keysets.replace_keyset, keyset_schemas.KeySet, body=keyset_schemas.KeySetSecrets,
        errors=(404,)),
    _op("deleteKeySet", "DELETE", "/keysets/{name}", "Delete a key set (not the default).", K,
        "admin", keysets.delete_keyset, None, 204, errors=(404, 409)),
    _op("getDefaultKeySet", "GET", "/default-keyset", "The key set streamed with by default.",
        K, "admin", keysets.get_default, keyset_schemas.DefaultKeySet),
    _op("setDefaultKeySet", "PUT", "/default-keyset", "Store the default key set.", K, "admin",
        keysets.set_default, keyset_schemas.DefaultKeySet,
        body=keyset_schemas.DefaultKeySetUpdate, errors=(404,)),
    _op("clearDefaultKeySet", "DELETE", "/default-keyset", "Forget the stored default.", K,
        "admin", keysets.clear_default, keyset_schemas.DefaultKeySet),
    _op("listSubscriptions", "GET", "/users/{user_id}/subscriptions", "A user's terms.", U,
        "owner", users.list_subscriptions, user_schemas.SubscriptionList),
    _op("addSubscription", "POST", "/users/{user_id}/subscriptions",
        "Subscribe to a term named by id or by its rule (200 if already subscribed).", U,
        "owner", users.add_subscription, user_schemas.Subscription, 201,
        user_schemas.SubscriptionCreate, errors=(404, 409), also=(200,),
        access_note=SUBSCRIBERS),
    _op("subscribe", "PUT", "/users/{user_id}/subscriptions/{term_id}",
        "Subscribe to a term by id (200 if already subscribed).", U, "owner", users.subscribe,
        user_schemas.Subscription, 201, errors=(404, 409), also=(200,), access_note=SUBSCRIBERS),
    _op("unsubscribe", "DELETE", "/users/{user_id}/subscriptions/{term_id}",
        "Unsubscribe from a term.", U, "owner", users.unsubscribe, None, 204, errors=(404,)),
    _op("readFeed", "GET", "/users/{user_id}/feed", "A user's feed, newest first.", U, "owner",
        users.read_feed, user_schemas.FeedPage, query=user_schemas.FeedQuery),
    _op("addFeedItem", "POST", "/users/{user_id}/feed", "Add an item to one user's feed.", U,
        "writer", users.add_item, user_schemas.AddReceipt, 201, user_schemas.FeedItemCreate,
        errors=(413,), idempotent=True),
    _op("addFeedItems", "POST", "/feed-items", "Add an item to many users' feeds.", U,
        "writer", users.add_items, user_schemas.AddReceipt, 201, user_schemas.FeedItemsCreate,
        errors=(413,), idempotent=True),
    _op("broadcast", "POST", "/broadcasts", "Add an item to every known user's feed.", U,
        "writer", users.broadcast, user_schemas.BroadcastReceipt, 201,
        user_schemas.BroadcastCreate, errors=(409, 413), also=(200,), idempotent=True),
)  # fmt: skip
BY_ID: Final = {op.id: op for op in OPERATIONS}


def operation(op_id: str) -> Operation:
    return BY_ID[op_id]
