"""Tweets: a term's timeline (newest first, cursor paged) and one tweet.

Both are open to any signed-in caller, but the terms a tweet names are cut
down to the ones the caller may see (``chalicelib.api.visibility``), and a
plain user reads only the timelines of terms they subscribe to.
"""

from __future__ import annotations

from chalicelib import timelines
from chalicelib.api.call import Call, Reply
from chalicelib.api.schemas.tweets import Tweet, TweetGetQuery, TweetPage, TweetQuery
from chalicelib.api.visibility import TermView, term_view
from chalicelib.core.models import TweetModel


def present(tweet: TweetModel, view: TermView, with_payload: bool = False) -> Tweet:
    payload = timelines.original_payload(tweet) if with_payload else None
    return Tweet(
        id=tweet.tweet_id,
        created_at=tweet.created_at,
        author_id=tweet.author_id,
        author_username=tweet.author_username,
        text=tweet.text,
        lang=tweet.lang,
        term_ids=view.term_ids(tweet.term_ids or ()),
        retweet_of=tweet.retweet_of,
        quote_of=tweet.quote_of,
        reply_to=tweet.reply_to,
        stored_at=tweet.stored_at,
        payload=view.payload(payload) if isinstance(payload, dict) else None,
    )


def list_term_tweets(call: Call) -> Reply[TweetPage]:
    query = call.query_as(TweetQuery)
    settings = call.runtime.settings
    view = term_view(settings, call.me)
    # Before any read, so a hidden term costs what a missing one does.
    view.require(call.path["term_id"])
    page = timelines.term_tweets(settings, call.path["term_id"], query.limit, query.cursor)
    items = [present(t, view) for t in page.tweets]
    return Reply(TweetPage(items=items, next_cursor=page.next_cursor))


def get_tweet(call: Call) -> Reply[Tweet]:
    query = call.query_as(TweetGetQuery)
    settings = call.runtime.settings
    tweet = timelines.get_tweet(settings, call.path["tweet_id"])
    view = term_view(settings, call.me)
    return Reply(present(tweet, view, with_payload=query.include == "payload"))
