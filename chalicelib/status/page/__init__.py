"""The HTML status page: server-drawn SVG charts, no JavaScript build, works offline."""

from chalicelib.status.page.serve import status_page

__all__ = ["status_page"]
