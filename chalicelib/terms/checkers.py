"""Where the X dry run's credentials come from: the key set the streamer would use.

Shared by the API and the CLI so both validate a new term the same way.
"""

from __future__ import annotations

from chalicelib.core.keysets import KeySetError, resolve_keyset
from chalicelib.core.settings import Settings
from chalicelib.terms.validation import CheckerSource
from chalicelib.terms.xrules import RuleChecker, Transport, XDryRun, urllib_transport


def keyset_checkers(settings: Settings, transport: Transport = urllib_transport) -> CheckerSource:
    """A CheckerSource asking X at ``settings.x_api_url`` with the default key set."""

    def source() -> tuple[RuleChecker | None, str | None]:
        try:
            keyset = resolve_keyset(settings, None)
        except KeySetError as exc:
            return None, f"no key set to ask X with: {exc}"
        return XDryRun(settings.x_api_url, keyset.bearer_token, transport), None

    return source
