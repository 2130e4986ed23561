"""Filter terms (one X rule each): create, list, enable/disable, delete, validate."""

from chalicelib.terms.errors import (
    DuplicateTerm,
    InvalidRule,
    RuleRejected,
    TermNotFound,
    no_rule,
    no_term,
)
from chalicelib.terms.normalize import MAX_RULE_LENGTH, is_term_id, normalize_value, term_id_for
from chalicelib.terms.service import (
    MAX_TERMS,
    Created,
    create_term,
    delete_term,
    find_term,
    get_term,
    list_terms,
    set_enabled,
)
from chalicelib.terms.validation import CheckerSource, Validation, validate_rule
from chalicelib.terms.values import Term
from chalicelib.terms.xrules import RuleChecker, XDryRun, XUnavailable

__all__ = [
    "MAX_RULE_LENGTH",
    "MAX_TERMS",
    "CheckerSource",
    "Created",
    "DuplicateTerm",
    "InvalidRule",
    "RuleChecker",
    "RuleRejected",
    "Term",
    "TermNotFound",
    "Validation",
    "XDryRun",
    "XUnavailable",
    "create_term",
    "delete_term",
    "find_term",
    "get_term",
    "is_term_id",
    "list_terms",
    "no_rule",
    "no_term",
    "normalize_value",
    "set_enabled",
    "term_id_for",
    "validate_rule",
]
