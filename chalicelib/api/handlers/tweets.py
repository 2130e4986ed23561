"""Tweets: a term's timeline (newest first, cursor paged) and one tweet."""

from __future__ import annotations

from chalicelib import timelines
from chalicelib.api.call import Call, Reply
from chalicelib.api.schemas.tweets import Tweet, TweetGetQuery, TweetPage, TweetQuery
from chalicelib.core.models import TweetModel


def present(tweet: TweetModel, with_payload: bool = False) -> Tweet:
    payload = timelines.original_payload(tweet) if with_payload else None
    return Tweet(
        id=tweet.tweet_id,
        created_at=tweet.created_at,
        author_id=tweet.author_id,
        author_username=tweet.author_username,
        text=tweet.text,
        lang=tweet.lang,
        term_ids=sorted(tweet.term_ids or ()),
        retweet_of=tweet.retweet_of,
        quote_of=tweet.quote_of,
        reply_to=tweet.reply_to,
        stored_at=tweet.stored_at,
        payload=payload if isinstance(payload, dict) else None,
    )


def list_term_tweets(call: Call) -> Reply[TweetPage]:
    query = call.query_as(TweetQuery)
    page = timelines.term_tweets(
        call.runtime.settings, call.path["term_id"], query.limit, query.cursor
    )
    return Reply(TweetPage(items=[present(t) for t in page.tweets], next_cursor=page.next_cursor))


def get_tweet(call: Call) -> Reply[Tweet]:
    query = call.query_as(TweetGetQuery)
    tweet = timelines.get_tweet(call.runtime.settings, call.path["tweet_id"])
    return Reply(present(tweet, with_payload=query.include == "payload"))
