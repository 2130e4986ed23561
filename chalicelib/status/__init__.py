"""Stream status: the streamer's heartbeat record turned into a trustworthy report."""

from chalicelib.status.reader import current_status, read_status_record, read_status_records
from chalicelib.status.report import (
    STATES,
    STATUS_PK,
    STATUS_SK,
    STATUS_SK_PREFIX,
    TermSync,
    build_report,
)

__all__ = [
    "STATES",
    "STATUS_PK",
    "STATUS_SK",
    "STATUS_SK_PREFIX",
    "TermSync",
    "build_report",
    "current_status",
    "read_status_record",
    "read_status_records",
]
