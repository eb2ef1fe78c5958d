"""The web pages, one blueprint per feature."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portfolio.views import account, admin, auth, home

    for module in (auth, home, account, admin):
        app.register_blueprint(module.bp)
