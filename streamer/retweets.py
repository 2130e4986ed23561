"""How ``--to-file`` treats retweets, as django-twitter-stream did with embedded ones.

X v2 puts the original of a retweet in ``includes.tweets``. With capture
retweets on, the original is written as a line of its own (before the retweet);
with it off, the copy is dropped from the retweet's line.
"""

from __future__ import annotations

from typing import Any

import orjson


def retweeted_ids(tweet: dict[str, Any]) -> set[str]:
    refs = tweet.get("referenced_tweets") or ()
    return {
        str(ref.get("id"))
        for ref in refs
        if isinstance(ref, dict) and ref.get("type") == "retweeted"
    }


def split_retweet(line: bytes, obj: dict[str, Any], capture: bool) -> list[bytes]:
    """The lines to write for one stream line (usually just ``[line]``)."""
    data = obj.get("data")
    includes = obj.get("includes")
    if not isinstance(data, dict) or not isinstance(includes, dict):
        return [line]
    originals_ids = retweeted_ids(data)
    tweets = includes.get("tweets")
    if not originals_ids or not isinstance(tweets, list):
        return [line]
    originals = [t for t in tweets if isinstance(t, dict) and t.get("id") in originals_ids]
    if not originals:
        return [line]
    kept = [t for t in tweets if t not in originals]
    trimmed_includes = (
        {**includes, "tweets": kept}
        if kept
        else {k: v for k, v in includes.items() if k != "tweets"}
    )
    out: list[bytes] = []
    if capture:
        users = {u.get("id"): u for u in includes.get("users") or () if isinstance(u, dict)}
        for original in originals:
            own: dict[str, Any] = {"data": original}
            author = users.get(original.get("author_id"))
            if author is not None:
                own["includes"] = {"users": [author]}
            out.append(orjson.dumps(own))
    out.append(orjson.dumps({**obj, "includes": trimmed_includes}))
    return out
