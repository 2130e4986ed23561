"""Generated tweets: originals, retweets, replies and quotes, as X v2 shapes them.

The tweet being delivered gets :data:`~tools.fakex.model.ID_MARK` and
:data:`~tools.fakex.model.AT_MARK` for ``id`` and ``created_at``: the stream
stamps them per delivery, so one generated tweet can be rendered once and sent
many times with fresh snowflake ids. Tweets it refers to (the retweeted
original, the parent of a reply, the quoted tweet) are older and have real ids.
"""

from __future__ import annotations

import random
from typing import Final

from tools.fakex import corpus
from tools.fakex.model import AT_MARK, ID_MARK, Bundle, JsonObject
from tools.fakex.people import People
from tools.fakex.snowflake import iso_ms, snowflake
from tools.fakex.textgen import TEXT_LIMIT, TextBuilder, compose, pick_lang, tco, truncate
from tools.fakex.witness import Plan

#: Retweet text is "RT @user: " + the original, cut to this many code points
#: (observed on v2: the full text is only in the referenced tweet).
RETWEET_TEXT_LIMIT: Final = 140
_KINDS: Final = (("original", 60), ("retweet", 20), ("reply", 12), ("quote", 8))


class TweetFactory:
    """Builds :class:`Bundle` objects from a plan and a seeded random source."""

    def __init__(self, people: People, epoch_ms: int) -> None:
        self.people = people
        #: Referenced tweets are dated before this instant (the server's start).
        self.epoch_ms = epoch_ms

    def build(self, rng: random.Random, plan: Plan | None = None) -> Bundle:
        """A full tweet (with id/created_at placeholders) and what it expands to."""
        plan = plan or Plan()
        bundle = Bundle(tweet={})
        author = (
            self.people.named(plan.author)
            if plan.author
            else self.people.pick(rng, plan.avoid_authors | plan.avoid_terms)
        )
        bundle.users[author["id"]] = author
        lang = plan.lang or pick_lang(rng, plan.avoid_langs)
        kind = _kind(rng, plan)
        if kind == "retweet":
            tweet = self._retweet(rng, plan, lang, bundle)
        else:
            builder = TextBuilder()
            refs: list[JsonObject] = []
            extra: JsonObject = {}
            if kind == "reply":
                extra = self._reply_head(rng, plan, lang, builder=builder, bundle=bundle, refs=refs)
            compose(rng, plan, lang, self.people, builder)
            if kind == "quote":
                quoted = self._referenced(rng, pick_lang(rng, set()), bundle)
                user = bundle.users[quoted["author_id"]]["username"]
                builder.url(tco(rng), f"https://twitter.com/{user}/status/{quoted['id']}")
                refs.append({"type": "quoted", "id": quoted["id"]})
            tweet = self._finish(
                rng, plan, builder, bundle, tweet_id=ID_MARK, lang=lang, media_ok=True
            )
            tweet.update(extra)
            if refs:
                tweet["referenced_tweets"] = refs
        tweet["id"] = ID_MARK
        tweet["author_id"] = author["id"]
        tweet["created_at"] = AT_MARK
        tweet["edit_history_tweet_ids"] = [ID_MARK]
        tweet.setdefault("conversation_id", ID_MARK)
        bundle.tweet.update(_ordered(tweet))
        for mention in bundle.tweet.get("entities", {}).get("mentions", ()):
            bundle.users.setdefault(mention["id"], self.people.named(mention["username"]))
        return bundle

    def _finish(
        self,
        rng: random.Random,
        plan: Plan,
        builder: TextBuilder,
        bundle: Bundle,
        *,
        tweet_id: str,
        lang: str,
        media_ok: bool,
    ) -> JsonObject:
        """Add links/media, then cut long text into ``text`` + ``note_tweet``."""
        wants = plan.require
        if wants.get("links") or (wants.get("links") is not False and rng.random() < 0.15):
            path = "".join(rng.choice("abcdefghij") for _ in range(rng.randint(4, 30)))
            builder.url(tco(rng), f"https://{rng.choice(corpus.DOMAINS)}/{path}")
        tweet: JsonObject = {}
        allowed = media_ok and wants.get("links") is not False and wants.get("media") is not False
        if allowed and (wants.get("media") or rng.random() < 0.08):
            taken = self.epoch_ms - rng.randint(0, 86_400_000)
            key = f"3_{snowflake(taken, rng.randint(0, 4095))}"
            bundle.media[key] = _photo(rng, key)
            photo = f"https://twitter.com/i/web/status/{tweet_id}/photo/1"
            builder.url(tco(rng), photo, media_key=key)
            tweet["attachments"] = {"media_keys": [key]}
        full = builder.text
        tweet["text"] = truncate(full, TEXT_LIMIT)
        entities = builder.entities(limit=len(tweet["text"]) if len(full) > TEXT_LIMIT else None)
        if entities:
            tweet["entities"] = entities
        if len(full) > TEXT_LIMIT:
            tweet["note_tweet"] = {"text": full, "entities": builder.entities()}
        tweet["lang"] = lang
        tweet["possibly_sensitive"] = rng.random() < 0.02
        tweet["reply_settings"] = "everyone"
        tweet["public_metrics"] = _metrics(rng)
        return tweet

    def _referenced(
        self, rng: random.Random, lang: str, bundle: Bundle, plan: Plan | None = None
    ) -> JsonObject:
        """An older tweet with a real id, added to ``bundle.tweets``."""
        plan = plan or Plan()
        author = (
            self.people.named(plan.reply_to)
            if plan.reply_to
            else self.people.pick(rng, plan.avoid_terms)
        )
        created = self.epoch_ms - rng.randint(60_000, 3 * 86_400_000)
        tweet_id = str(snowflake(created, rng.randint(0, 4095)))
        builder = TextBuilder()
        compose(rng, plan, lang, self.people, builder)
        tweet = self._finish(
            rng, plan, builder, bundle, tweet_id=tweet_id, lang=lang, media_ok=True
        )
        tweet.update(
            id=tweet_id,
            author_id=author["id"],
            created_at=iso_ms(created),
            edit_history_tweet_ids=[tweet_id],
            conversation_id=tweet_id,
        )
        bundle.users.setdefault(author["id"], author)
        for mention in tweet.get("entities", {}).get("mentions", ()):
            bundle.users.setdefault(mention["id"], self.people.named(mention["username"]))
        bundle.tweets[tweet_id] = _ordered(tweet)
        return bundle.tweets[tweet_id]

    def _retweet(self, rng: random.Random, plan: Plan, lang: str, bundle: Bundle) -> JsonObject:
        # The rule's words live in the original; the retweet wraps it.
        inner = Plan(
            words=plan.words,
            phrases=plan.phrases,
            hashtags=plan.hashtags,
            mentions=plan.mentions,
            require={k: v for k, v in plan.require.items() if k not in ("retweet", "reply")},
            avoid_terms=plan.avoid_terms,
        )
        original = self._referenced(rng, lang, bundle, inner)
        author = bundle.users[original["author_id"]]
        prefix = f"RT @{author['username']}: "
        full = prefix + original.get("note_tweet", original)["text"]
        text = truncate(full, RETWEET_TEXT_LIMIT)
        limit = len(text) - 1 if len(full) > RETWEET_TEXT_LIMIT else len(text)
        shift = len(prefix)
        entities: JsonObject = {
            "mentions": [
                {"start": 3, "end": 4 + len(author["username"]), "username": author["username"],
                 "id": author["id"]}
            ]
        }  # fmt: skip
        source = original.get("note_tweet", original).get("entities", {})
        for name in ("hashtags", "mentions", "urls"):
            for item in source.get(name, ()):
                if item["end"] + shift <= limit:
                    moved = dict(item, start=item["start"] + shift, end=item["end"] + shift)
                    entities.setdefault(name, []).append(moved)
        tweet: JsonObject = {
            "text": text,
            "entities": entities,
            "lang": original["lang"],
            "referenced_tweets": [{"type": "retweeted", "id": original["id"]}],
            "possibly_sensitive": original["possibly_sensitive"],
            "reply_settings": "everyone",
            "public_metrics": dict(
                _metrics(rng, zero=True),
                retweet_count=original["public_metrics"]["retweet_count"],
            ),
        }
        if "attachments" in original:
            tweet["attachments"] = original["attachments"]
        return tweet

    def _reply_head(
        self,
        rng: random.Random,
        plan: Plan,
        lang: str,
        *,
        builder: TextBuilder,
        bundle: Bundle,
        refs: list[JsonObject],
    ) -> JsonObject:
        parent_plan = Plan(reply_to=plan.reply_to, avoid_terms=plan.avoid_terms)
        parent = self._referenced(rng, lang, bundle, parent_plan)
        parent_author = bundle.users[parent["author_id"]]
        builder.mention(parent_author)
        refs.append({"type": "replied_to", "id": parent["id"]})
        return {
            "in_reply_to_user_id": parent_author["id"],
            "conversation_id": parent["conversation_id"],
        }


def _kind(rng: random.Random, plan: Plan) -> str:
    wants = plan.require
    for kind in ("retweet", "reply", "quote"):
        if wants.get(kind):
            return kind
    allowed = [
        (kind, weight)
        for kind, weight in _KINDS
        if wants.get(kind) is not False
        and not (kind in ("retweet", "reply") and wants.get("mentions") is False)
        and not (kind == "quote" and wants.get("links") is False)
    ]
    kinds, weights = zip(*allowed, strict=True)
    return str(rng.choices(kinds, weights)[0])


def _metrics(rng: random.Random, *, zero: bool = False) -> JsonObject:
    if zero:
        return dict.fromkeys(
            ("retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count",
             "impression_count"), 0)  # fmt: skip
    likes = int(rng.paretovariate(1.1)) - 1
    return {
        "retweet_count": likes // 4,
        "reply_count": likes // 10,
        "like_count": likes,
        "quote_count": likes // 30,
        "bookmark_count": likes // 20,
        "impression_count": likes * 40 + rng.randint(0, 500),
    }


def _photo(rng: random.Random, key: str) -> JsonObject:
    width, height = rng.choice(((1200, 675), (1080, 1080), (900, 1200), (2048, 1152)))
    media: JsonObject = {
        "media_key": key,
        "type": "photo",
        "url": f"https://pbs.twimg.com/media/{key.split('_')[1]}.jpg",
        "width": width,
        "height": height,
    }
    if rng.random() < 0.4:
        media["alt_text"] = "A photo 📷 — with alt text"
    return media


_ORDER: Final = (
    "id", "text", "edit_history_tweet_ids", "author_id", "created_at", "conversation_id",
    "in_reply_to_user_id", "referenced_tweets", "attachments", "entities", "note_tweet",
    "lang", "possibly_sensitive", "reply_settings", "public_metrics",
)  # fmt: skip


def _ordered(tweet: JsonObject) -> JsonObject:
    """Fields in a stable, X-like order (dict order is what gets serialised)."""
    return {key: tweet[key] for key in _ORDER if key in tweet}
