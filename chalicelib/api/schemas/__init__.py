"""Pydantic models of every request and response body (and so of the OpenAPI doc)."""
