"""The consumer: Kinesis records in, tweets stored and fanned out into feeds.

``app.consume_tweets`` (the Lambda handler) calls
:func:`chalicelib.consumer.handler.handle_event`; ``streamfeed consume`` drives
the same handler locally (:mod:`tools.eventsource.runner`). A custom tweet
model or hook (``STREAMFEED_TWEET_MODEL``) receives a :class:`TweetSource`.
"""

from chalicelib.consumer.errors import TweetModelError
from chalicelib.consumer.parsing import TweetSource

__all__ = ["TweetModelError", "TweetSource"]
