"""The caller, the stream status and the API's own description."""

from __future__ import annotations

from chalicelib.api.call import Call, Reply
from chalicelib.api.schemas.common import Me
from chalicelib.api.schemas.status import Status
from chalicelib.status import current_status


def whoami(call: Call) -> Reply[Me]:
    me = call.me
    return Reply(
        Me(user_id=me.user_id, admin=me.admin, service=me.service, groups=sorted(me.groups))
    )


def status(call: Call) -> Reply[Status]:
    report = current_status(call.runtime.settings, call.runtime.clock())
    return Reply(Status.model_validate(report))
