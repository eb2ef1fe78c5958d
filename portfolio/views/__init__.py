"""The web pages, one blueprint per feature."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portfolio.views import account, admin, admin_frameworks, auth, frameworks, home

    for module in (auth, home, account, admin, admin_frameworks, frameworks):
        app.register_blueprint(module.bp)
