"""The v2 object shapes from X's API reference, as strict pydantic models.

Field names, types and formats follow the Tweet, User and Media object pages
and the OpenAPI document (ids are numeric strings of up to 19 digits, times are
ISO 8601 with milliseconds and ``Z``). ``extra="forbid"`` makes an unknown or
misspelt field a failure.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt

Id = Annotated[str, Field(pattern=r"^[0-9]{1,19}$")]
Time = Annotated[str, Field(pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")]
Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,15}$")]
MediaKey = Annotated[str, Field(pattern=r"^[0-9]+_[0-9]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Hashtag(Strict):
    start: NonNegativeInt
    end: NonNegativeInt
    tag: str


class Mention(Strict):
    start: NonNegativeInt
    end: NonNegativeInt
    username: Username
    id: Id


class Url(Strict):
    start: NonNegativeInt
    end: NonNegativeInt
    url: Annotated[str, Field(pattern=r"^https://t\.co/[A-Za-z0-9]{10}$")]
    expanded_url: str
    display_url: str
    media_key: MediaKey | None = None


class Entities(Strict):
    hashtags: Annotated[list[Hashtag], Field(min_length=1)] | None = None
    mentions: Annotated[list[Mention], Field(min_length=1)] | None = None
    urls: Annotated[list[Url], Field(min_length=1)] | None = None


class TweetMetrics(Strict):
    retweet_count: NonNegativeInt
    reply_count: NonNegativeInt
    like_count: NonNegativeInt
    quote_count: NonNegativeInt
    bookmark_count: NonNegativeInt
    impression_count: NonNegativeInt


class Reference(Strict):
    type: Literal["retweeted", "quoted", "replied_to"]
    id: Id


class NoteTweet(Strict):
    text: str
    entities: Entities | None = None


class Attachments(Strict):
    media_keys: Annotated[list[MediaKey], Field(min_length=1)]


class Tweet(Strict):
    id: Id
    text: str
    edit_history_tweet_ids: Annotated[list[Id], Field(min_length=1)]
    author_id: Id | None = None
    created_at: Time | None = None
    conversation_id: Id | None = None
    in_reply_to_user_id: Id | None = None
    referenced_tweets: Annotated[list[Reference], Field(min_length=1)] | None = None
    attachments: Attachments | None = None
    entities: Entities | None = None
    note_tweet: NoteTweet | None = None
    lang: Annotated[str, Field(pattern=r"^[a-z]{2,3}$")] | None = None
    possibly_sensitive: bool | None = None
    reply_settings: Literal["everyone", "mentionedUsers", "following"] | None = None
    public_metrics: TweetMetrics | None = None


class UserMetrics(Strict):
    followers_count: NonNegativeInt
    following_count: NonNegativeInt
    tweet_count: NonNegativeInt
    listed_count: NonNegativeInt
    like_count: NonNegativeInt
    media_count: NonNegativeInt


class User(Strict):
    id: Id
    name: str
    username: Username
    created_at: Time | None = None
    description: str | None = None
    location: str | None = None
    profile_image_url: str | None = None
    protected: bool | None = None
    public_metrics: UserMetrics | None = None
    url: str | None = None
    verified: bool | None = None
    verified_type: Literal["blue", "business", "government", "none"] | None = None


class Media(Strict):
    media_key: MediaKey
    type: Literal["photo", "video", "animated_gif"]
    url: str | None = None
    width: NonNegativeInt | None = None
    height: NonNegativeInt | None = None
    alt_text: str | None = None


class Includes(Strict):
    users: Annotated[list[User], Field(min_length=1)] | None = None
    tweets: Annotated[list[Tweet], Field(min_length=1)] | None = None
    media: Annotated[list[Media], Field(min_length=1)] | None = None


class MatchingRule(Strict):
    id: Id
    tag: str  # always present on the stream ("" for an untagged rule)


class StreamLine(Strict):
    data: Tweet
    includes: Includes | None = None
    matching_rules: Annotated[list[MatchingRule], Field(min_length=1)]
