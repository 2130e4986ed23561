"""Hot terms: tweets of a term with very many subscribers are pulled at read time.

See ``spans`` for the rule, ``store`` for the terms' state, ``pulls`` for what
readers merge, and ``chalicelib.feeds.merging`` for the merge itself.
"""

from chalicelib.hotterms.pulls import HotPulls, hot_pulls
from chalicelib.hotterms.spans import Span, is_hot, is_hot_text, is_pulled
from chalicelib.hotterms.store import FEED_PREFIX, TermSpans, term_feed, term_spans

__all__ = [
    "FEED_PREFIX",
    "HotPulls",
    "Span",
    "TermSpans",
    "hot_pulls",
    "is_hot",
    "is_hot_text",
    "is_pulled",
    "term_feed",
    "term_spans",
]
