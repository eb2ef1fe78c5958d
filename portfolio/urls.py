"""Links that leave the app (emails): built from PUBLIC_URL, never from the Host header."""

from __future__ import annotations

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """Return the absolute public address of an endpoint, with or without a request."""
    adapter = current_app.url_map.bind("portfolio.invalid")
    path = adapter.build(endpoint, values, force_external=False)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path
