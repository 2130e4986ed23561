"""Which X the demo streams from: the fake server, or a real X with a real key set.

Pure: the decision takes what is stored and what was asked, and returns what
to run, so every combination is testable without a cloud. The streamer's code
path is the same either way; only ``STREAMFEED_X_API_URL`` and the key set
differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tools.composition.config import FAKE_KEYS

#: The key set ``--bearer-token-file`` stores its token in.
CLI_KEYS = "demo-x"


class XChoiceError(ValueError):
    """The asked-for X cannot be used as given; the message says what to do."""


@dataclass(frozen=True)
class XChoice:
    #: None: start the fake X server. Otherwise the X to stream from.
    x_api_url: str | None
    keys_name: str
    #: Why, in a few words, for the banner.
    reason: str

    @property
    def fake(self) -> bool:
        return self.x_api_url is None


def choose_x(
    *,
    x_api_url: str | None,
    keys: str | None,
    token_given: bool,
    stored: Sequence[str],
    stored_default: str | None,
    settings_x_api_url: str,
) -> XChoice:
    """Fake X unless asked for another X or a real key set is stored.

    ``stored`` lists the stored key sets; ``stored_default`` is the one marked
    default (API/CLI or ``STREAMFEED_DEFAULT_KEYS``). "Real" is any key set but
    the fake server's own.
    """
    real = [name for name in stored if name != FAKE_KEYS]
    if token_given:
        return XChoice(x_api_url or settings_x_api_url, CLI_KEYS, "bearer token from a file")
    if keys is not None:
        if keys == FAKE_KEYS and x_api_url is None:
            return XChoice(None, FAKE_KEYS, f"key set {FAKE_KEYS} asked for")
        if keys not in stored:
            known = ", ".join(stored) or "none"
            raise XChoiceError(f"no key set named {keys!r}; stored: {known}")
        return XChoice(x_api_url or settings_x_api_url, keys, f"key set {keys} asked for")
    if not real:
        if x_api_url is None:
            return XChoice(None, FAKE_KEYS, "no real key set is stored")
        return XChoice(x_api_url, FAKE_KEYS, "--x-api-url with the fake server's token")
    chosen = _pick(real, stored_default)
    return XChoice(x_api_url or settings_x_api_url, chosen, f"key set {chosen} is stored")


def _pick(real: list[str], stored_default: str | None) -> str:
    if stored_default in real:
        return str(stored_default)
    if len(real) == 1:
        return real[0]
    raise XChoiceError(
        f"several key sets and no default: {', '.join(real)}; pass --keys NAME "
        "or run `streamfeed keys set-default NAME`"
    )
