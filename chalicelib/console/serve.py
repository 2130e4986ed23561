"""``GET /console``: the console's HTML shell, the same for everyone.

Like ``GET /status/page`` this route has no API Gateway authorizer: a
browser cannot send a header when a person opens a link. Unlike it, the
route never reads a token, because the shell holds no data: the forms,
the navigation and the script. Everything a person sees after signing in,
the script fetches from the API's own routes (``/me``, ``/terms``,
``/keysets``, ``/users/{id}/...``, ``/status``) with the token in an
``Authorization: Bearer`` header, so the console and curl take one code path
and the API's access rules are the only ones. There is no cookie, so there is
nothing to forge across sites, and the token never enters a URL.
"""

from __future__ import annotations

from chalice.app import Request, Response

from chalicelib.api import runtime
from chalicelib.api.dispatch import error_response
from chalicelib.api.errors import ApiError, to_api_error
from chalicelib.api.telemetry import logger
from chalicelib.auth.config import load_auth_config
from chalicelib.console.assets import content_security_policy
from chalicelib.console.render import render_shell
from chalicelib.console.signin import sign_in_from
from chalicelib.status.page.serve import BASE_HEADERS

log = logger


def console_page(request: Request | None) -> Response:
    """The shell (200, HTML) whoever asks, or the API's JSON 500 when settings are broken."""
    del request  # the shell is the same with or without a token
    try:
        settings = runtime.current_settings()
        sign_in = sign_in_from(load_auth_config())
        body = render_shell(stage=settings.prefix, sign_in=sign_in)
    except Exception as exc:  # a broken setting becomes the API's JSON error
        error = to_api_error(exc)
        if error is None:
            log.error("getConsole failed: %s", type(exc).__name__, exc_info=exc)
            error = ApiError(500, "internal", "internal error; the request was not completed")
        return error_response(error)
    headers: dict[str, str | list[str]] = {
        **BASE_HEADERS,
        "Content-Security-Policy": content_security_policy(
            sign_in.hosted_ui if sign_in.hosted else None
        ),
    }
    return Response(body=body, status_code=200, headers=headers)
