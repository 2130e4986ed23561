"""Chalice app: wiring only. Every handler's logic lives in ``chalicelib``.

Each route names its operation in ``chalicelib.api.operations``, which holds
its access rule, models and handler; ``dispatch`` runs it. Settings are read
on first use (``chalicelib.api.runtime``), never at import.

All three Lambda functions import this module, so it imports only what every
one of them needs; each handler imports its own part on first call. The
authorizer thus never loads the operations, the feeds or PynamoDB
(``bench/cold_import.py`` measures it).
"""

from __future__ import annotations

from typing import Any

from chalice.app import (
    AuthRequest,
    AuthResponse,
    Chalice,
    ConvertToMiddleware,
    KinesisEvent,
    Response,
)

from chalicelib.api import runtime
from chalicelib.api.authorizer import authorize
from chalicelib.api.health import health
from chalicelib.api.middleware import json_errors
from chalicelib.api.telemetry import logger as api_logger
from chalicelib.consumer import mapping
from chalicelib.consumer.telemetry import logger as consumer_logger

app = Chalice(app_name="streamfeed")
app.register_middleware(json_errors, "http")
# Powertools decorators expect (event, context); Chalice passes its own event objects.
app.register_middleware(ConvertToMiddleware(consumer_logger.inject_lambda_context), "kinesis")
app.register_middleware(ConvertToMiddleware(api_logger.inject_lambda_context), "http")


@app.authorizer(ttl_seconds=300)
def jwt_auth(auth_request: AuthRequest) -> AuthResponse:
    return authorize(auth_request)


def _run(op_id: str, **path: str) -> Response:
    from chalicelib.api.dispatch import dispatch

    return dispatch(op_id, app.current_request, path, app.lambda_context)


@app.route("/health", methods=["GET"])
def get_health() -> dict[str, Any]:
    return health(runtime.current_settings())


@app.route("/openapi.json", methods=["GET"])
def get_openapi() -> dict[str, Any]:
    from chalicelib.api.openapi import document

    return document()


@app.route("/me", methods=["GET"], authorizer=jwt_auth)
def get_me() -> Response:
    return _run("getMe")


@app.route("/status", methods=["GET"], authorizer=jwt_auth)
def get_status() -> Response:
    return _run("getStatus")


# No authorizer: the page itself asks for a token (see chalicelib.status.page.serve).
@app.route("/status/page", methods=["GET"])
def get_status_page() -> Response:
    from chalicelib.status.page import status_page

    return status_page(app.current_request)


# No authorizer: the shell holds no data; its script calls the API with the token
# (see chalicelib.console.serve).
@app.route("/console", methods=["GET"])
def get_console() -> Response:
    from chalicelib.console import console_page

    return console_page(app.current_request)


@app.route("/terms", methods=["GET"], authorizer=jwt_auth)
def list_terms() -> Response:
    return _run("listTerms")


@app.route("/terms", methods=["POST"], authorizer=jwt_auth)
def create_term() -> Response:
    return _run("createTerm")


@app.route("/terms/{term_id}", methods=["GET"], authorizer=jwt_auth)
def get_term(term_id: str) -> Response:
    return _run("getTerm", term_id=term_id)


@app.route("/terms/{term_id}", methods=["PATCH"], authorizer=jwt_auth)
def update_term(term_id: str) -> Response:
    return _run("updateTerm", term_id=term_id)


@app.route("/terms/{term_id}", methods=["DELETE"], authorizer=jwt_auth)
def delete_term(term_id: str) -> Response:
    return _run("deleteTerm", term_id=term_id)


@app.route("/terms/{term_id}/tweets", methods=["GET"], authorizer=jwt_auth)
def list_term_tweets(term_id: str) -> Response:
    return _run("listTermTweets", term_id=term_id)


@app.route("/tweets/{tweet_id}", methods=["GET"], authorizer=jwt_auth)
def get_tweet(tweet_id: str) -> Response:
    return _run("getTweet", tweet_id=tweet_id)


@app.route("/keysets", methods=["GET"], authorizer=jwt_auth)
def list_keysets() -> Response:
    return _run("listKeySets")


@app.route("/keysets", methods=["POST"], authorizer=jwt_auth)
def create_keyset() -> Response:
    return _run("createKeySet")


@app.route("/keysets/{name}", methods=["GET"], authorizer=jwt_auth)
def get_keyset(name: str) -> Response:
    return _run("getKeySet", name=name)


@app.route("/keysets/{name}", methods=["PUT"], authorizer=jwt_auth)
def replace_keyset(name: str) -> Response:
    return _run("replaceKeySet", name=name)


@app.route("/keysets/{name}", methods=["DELETE"], authorizer=jwt_auth)
def delete_keyset(name: str) -> Response:
    return _run("deleteKeySet", name=name)


@app.route("/default-keyset", methods=["GET"], authorizer=jwt_auth)
def get_default_keyset() -> Response:
    return _run("getDefaultKeySet")


@app.route("/default-keyset", methods=["PUT"], authorizer=jwt_auth)
def set_default_keyset() -> Response:
    return _run("setDefaultKeySet")


@app.route("/default-keyset", methods=["DELETE"], authorizer=jwt_auth)
def clear_default_keyset() -> Response:
    return _run("clearDefaultKeySet")


@app.route("/users/{user_id}/subscriptions", methods=["GET"], authorizer=jwt_auth)
def list_subscriptions(user_id: str) -> Response:
    return _run("listSubscriptions", user_id=user_id)


@app.route("/users/{user_id}/subscriptions", methods=["POST"], authorizer=jwt_auth)
def add_subscription(user_id: str) -> Response:
    return _run("addSubscription", user_id=user_id)


@app.route("/users/{user_id}/subscriptions/{term_id}", methods=["PUT"], authorizer=jwt_auth)
def subscribe(user_id: str, term_id: str) -> Response:
    return _run("subscribe", user_id=user_id, term_id=term_id)


@app.route("/users/{user_id}/subscriptions/{term_id}", methods=["DELETE"], authorizer=jwt_auth)
def unsubscribe(user_id: str, term_id: str) -> Response:
    return _run("unsubscribe", user_id=user_id, term_id=term_id)


@app.route("/users/{user_id}/feed", methods=["GET"], authorizer=jwt_auth)
def read_feed(user_id: str) -> Response:
    return _run("readFeed", user_id=user_id)


@app.route("/users/{user_id}/feed", methods=["POST"], authorizer=jwt_auth)
def add_feed_item(user_id: str) -> Response:
    return _run("addFeedItem", user_id=user_id)


@app.route("/feed-items", methods=["POST"], authorizer=jwt_auth)
def add_feed_items() -> Response:
    return _run("addFeedItems")


@app.route("/broadcasts", methods=["POST"], authorizer=jwt_auth)
def broadcast() -> Response:
    return _run("broadcast")


# The consumer. The stream name is fixed at import (Chalice packages it), derived
# from STREAMFEED_STAGE / _NAME_PREFIX / _STREAM_NAME like Settings does; the
# retry, bisect and failure-destination settings of the mapping are in
# chalicelib/consumer/mapping.py, applied by the CDK app.
@app.on_kinesis_record(
    stream=mapping.stream_name(),
    batch_size=mapping.MAPPING.batch_size,
    starting_position=mapping.MAPPING.starting_position,
    maximum_batching_window_in_seconds=mapping.MAPPING.maximum_batching_window_in_seconds,
)
def consume_tweets(event: KinesisEvent) -> dict[str, Any]:
    from chalicelib.consumer.handler import handle_event

    return dict(handle_event(event.to_dict(), event.context))
