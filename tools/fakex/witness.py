"""Turn a rule into a recipe for a tweet that matches it.

``--rate`` counts *matched* tweets, so the generator writes tweets aimed at the
current rules instead of hoping random text matches. A :class:`Plan` lists what
the tweet must contain and must avoid; ``OR`` picks one branch at random. The
plan is a best effort (``cat -cat`` has no witness): the generator checks every
tweet with the real matcher and retries, so a wrong plan costs time, not truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tools.fakex.rulelang import And, Node, Not, Term


@dataclass(slots=True)
class Plan:
    """Requirements for one generated tweet; raw spellings keep the rule's case."""

    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    author: str | None = None
    reply_to: str | None = None
    lang: str | None = None
    #: "retweet", "reply", "quote", "links", "media", "mentions", "hashtags" -> wanted or not
    require: dict[str, bool] = field(default_factory=dict)
    avoid_terms: set[str] = field(default_factory=set)
    avoid_authors: set[str] = field(default_factory=set)
    avoid_langs: set[str] = field(default_factory=set)


def plan_for(node: Node, rng: random.Random) -> Plan:
    """A plan for a tweet that satisfies ``node`` (when the rule allows one)."""
    plan = Plan()
    _visit(node, plan, rng, positive=True)
    return plan


def _visit(node: Node, plan: Plan, rng: random.Random, *, positive: bool) -> None:
    if isinstance(node, Term):
        (_want if positive else _avoid)(node, plan)
    elif isinstance(node, Not):
        _visit(node.child, plan, rng, positive=not positive)
    elif isinstance(node, And) == positive:
        # AND wanted, or OR avoided (De Morgan): every child.
        for child in node.children:
            _visit(child, plan, rng, positive=positive)
    else:
        # OR wanted, or AND avoided: one child is enough.
        _visit(rng.choice(node.children), plan, rng, positive=positive)


def _want(term: Term, plan: Plan) -> None:
    kind = term.kind
    if kind == "keyword":
        plan.words.append(term.raw)
    elif kind == "phrase":
        plan.phrases.append(term.raw)
    elif kind == "hashtag":
        plan.hashtags.append(term.raw.lstrip("#"))
    elif kind == "mention":
        plan.mentions.append(term.raw.lstrip("@"))
    elif kind == "from":
        plan.author = term.raw
    elif kind == "to":
        plan.reply_to = term.raw
        plan.require["reply"] = True
    elif kind == "lang":
        plan.lang = term.value
    else:  # is: / has:
        plan.require[term.value] = True


def _avoid(term: Term, plan: Plan) -> None:
    kind = term.kind
    if kind in ("keyword", "phrase", "hashtag", "mention"):
        plan.avoid_terms.update(term.value.split())
    elif kind == "from":
        plan.avoid_authors.add(term.value)
    elif kind == "to":
        plan.require["reply"] = False
    elif kind == "lang":
        plan.avoid_langs.add(term.value)
    else:
        plan.require[term.value] = False
