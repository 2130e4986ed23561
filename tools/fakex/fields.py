"""``tweet.fields`` / ``user.fields`` / ``media.fields`` / ``expansions``.

X returns only the default fields (tweet: id, text, edit_history_tweet_ids;
user: id, name, username; media: media_key, type) plus what the request names,
and leaves out fields a tweet does not have. Expansions put the referenced
objects in ``includes``. Observed behaviour we follow: an expansion also adds
the field it expands from to ``data`` (``expansions=author_id`` alone yields
``data.author_id``), and unknown field names are a 400 ``Invalid Request``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from tools.fakex.model import Bundle, JsonObject

TWEET_FIELDS: Final = frozenset(
    {
        "article",
        "attachments",
        "author_id",
        "card_uri",
        "community_id",
        "context_annotations",
        "conversation_id",
        "created_at",
        "display_text_range",
        "edit_controls",
        "edit_history_tweet_ids",
        "entities",
        "geo",
        "id",
        "in_reply_to_user_id",
        "lang",
        "media_metadata",
        "non_public_metrics",
        "note_tweet",
        "organic_metrics",
        "possibly_sensitive",
        "promoted_metrics",
        "public_metrics",
        "referenced_tweets",
        "reply_settings",
        "scopes",
        "source",
        "text",
        "withheld",
    }
)
USER_FIELDS: Final = frozenset(
    {
        "affiliation",
        "connection_status",
        "created_at",
        "description",
        "entities",
        "id",
        "is_identity_verified",
        "location",
        "most_recent_tweet_id",
        "name",
        "parody",
        "pinned_tweet_id",
        "profile_banner_url",
        "profile_image_url",
        "protected",
        "public_metrics",
        "receives_your_dm",
        "subscription",
        "subscription_type",
        "url",
        "username",
        "verified",
        "verified_followers_count",
        "verified_type",
        "withheld",
    }
)
MEDIA_FIELDS: Final = frozenset(
    {
        "alt_text",
        "duration_ms",
        "height",
        "media_key",
        "non_public_metrics",
        "organic_metrics",
        "preview_image_url",
        "promoted_metrics",
        "public_metrics",
        "type",
        "url",
        "variants",
        "width",
    }
)
PLACE_FIELDS: Final = frozenset(
    {
        "contained_within",
        "country",
        "country_code",
        "full_name",
        "geo",
        "id",
        "name",
        "place_type",
    }
)
POLL_FIELDS: Final = frozenset(
    {
        "duration_minutes",
        "end_datetime",
        "id",
        "options",
        "voting_status",
    }
)
EXPANSIONS: Final = frozenset(
    {
        "article.cover_media",
        "article.media_entities",
        "attachments.media_keys",
        "attachments.media_source_tweet",
        "attachments.poll_ids",
        "author_id",
        "edit_history_tweet_ids",
        "entities.mentions.username",
        "entities.note.mentions.username",
        "geo.place_id",
        "in_reply_to_user_id",
        "referenced_tweets.id",
        "referenced_tweets.id.attachments.media_keys",
        "referenced_tweets.id.author_id",
    }
)
_ALLOWED: Final = {
    "tweet.fields": TWEET_FIELDS,
    "user.fields": USER_FIELDS,
    "media.fields": MEDIA_FIELDS,
    "place.fields": PLACE_FIELDS,
    "poll.fields": POLL_FIELDS,
    "expansions": EXPANSIONS,
}
STREAM_PARAMETERS: Final = frozenset(_ALLOWED) | {"backfill_minutes"}

DEFAULT_TWEET: Final = ("id", "text", "edit_history_tweet_ids")
DEFAULT_USER: Final = ("id", "name", "username")
DEFAULT_MEDIA: Final = ("media_key", "type")
#: Field each expansion reads, added to ``data`` when the expansion is asked for.
_IMPLIED: Final = {
    "author_id": "author_id",
    "referenced_tweets.id": "referenced_tweets",
    "referenced_tweets.id.author_id": "referenced_tweets",
    "in_reply_to_user_id": "in_reply_to_user_id",
    "attachments.media_keys": "attachments",
}


class InvalidParameters(ValueError):
    """Bad query parameters; ``errors`` are X's ``errors`` entries for the 400 body."""

    def __init__(self, errors: list[JsonObject]) -> None:
        super().__init__(errors[0]["message"])
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Selection:
    """What one connection asked for; hashable so rendered lines can be cached per selection."""

    tweet: tuple[str, ...] = DEFAULT_TWEET
    user: tuple[str, ...] = DEFAULT_USER
    media: tuple[str, ...] = DEFAULT_MEDIA
    expansions: frozenset[str] = frozenset()


def parse_selection(params: Mapping[str, str], allowed: frozenset[str]) -> Selection:
    """Validate query parameters the way X does and build a :class:`Selection`."""
    errors: list[JsonObject] = []
    for name in params:
        if name not in allowed:
            errors.append(
                {
                    "parameters": {name: [params[name]]},
                    "message": f"The query parameter [{name}] is not one of "
                    f"[{','.join(sorted(allowed))}]",
                }
            )
    chosen: dict[str, list[str]] = {}
    for name, valid in _ALLOWED.items():
        values = [v for v in params.get(name, "").split(",") if v]
        bad = [v for v in values if v not in valid]
        if bad:
            errors.append(
                {
                    "parameters": {name: [params[name]]},
                    "message": f"The `{name}` query parameter value [{bad[0]}] is not one of "
                    f"[{','.join(sorted(valid))}]",
                }
            )
        chosen[name] = values
    if errors:
        raise InvalidParameters(errors)
    expansions = frozenset(chosen["expansions"])
    implied = [_IMPLIED[e] for e in sorted(expansions) if e in _IMPLIED]
    return Selection(
        tweet=_merge(DEFAULT_TWEET, chosen["tweet.fields"] + implied),
        user=_merge(DEFAULT_USER, chosen["user.fields"]),
        media=_merge(DEFAULT_MEDIA, chosen["media.fields"]),
        expansions=expansions,
    )


def _merge(defaults: tuple[str, ...], asked: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*defaults, *asked)))


def _pick(obj: Mapping[str, Any], fields: tuple[str, ...]) -> JsonObject:
    return {name: obj[name] for name in fields if name in obj}


def render(bundle: Bundle, selection: Selection) -> JsonObject:
    """``{"data": …, "includes": …}`` for one tweet as this connection asked for it."""
    payload: JsonObject = {"data": _pick(bundle.tweet, selection.tweet)}
    includes = _Includes(bundle, selection).collect()
    if includes:
        payload["includes"] = includes
    return payload


class _Includes:
    """Collects expanded users, tweets and media, each once, in first-seen order."""

    def __init__(self, bundle: Bundle, selection: Selection) -> None:
        self.bundle = bundle
        self.selection = selection
        self.users: dict[str, JsonObject] = {}
        self.tweets: dict[str, JsonObject] = {}
        self.media: dict[str, JsonObject] = {}

    def collect(self) -> JsonObject:
        tweet, expansions = self.bundle.tweet, self.selection.expansions
        if "author_id" in expansions:
            self.user(tweet.get("author_id"))
        if "entities.mentions.username" in expansions:
            for mention in tweet.get("entities", {}).get("mentions", ()):
                self.user(mention.get("id"))
        if "in_reply_to_user_id" in expansions:
            self.user(tweet.get("in_reply_to_user_id"))
        if "attachments.media_keys" in expansions:
            self.attachments(tweet)
        for ref in tweet.get("referenced_tweets", ()):
            self.referenced(str(ref.get("id")))
        found: JsonObject = {}
        for name, items in (("users", self.users), ("tweets", self.tweets), ("media", self.media)):
            if items:
                found[name] = list(items.values())
        return found

    def referenced(self, tweet_id: str) -> None:
        referenced = self.bundle.tweets.get(tweet_id)
        expansions = self.selection.expansions
        if referenced is None:
            return
        if "referenced_tweets.id" in expansions:
            self.tweets.setdefault(tweet_id, _pick(referenced, self.selection.tweet))
        if "referenced_tweets.id.author_id" in expansions:
            self.user(referenced.get("author_id"))
        if "referenced_tweets.id.attachments.media_keys" in expansions:
            self.attachments(referenced)

    def user(self, user_id: object) -> None:
        user = self.bundle.users.get(str(user_id))
        if user is not None and user["id"] not in self.users:
            self.users[user["id"]] = _pick(user, self.selection.user)

    def attachments(self, source: Mapping[str, Any]) -> None:
        for key in source.get("attachments", {}).get("media_keys", ()):
            if key in self.bundle.media and key not in self.media:
                self.media[key] = _pick(self.bundle.media[key], self.selection.media)
