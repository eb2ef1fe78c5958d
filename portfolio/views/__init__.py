"""The web pages, one blueprint per feature."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portfolio.views import (account, admin, admin_frameworks, auth, entries, frameworks,
                                 home)

    for module in (auth, home, account, admin, admin_frameworks, frameworks, entries):
        app.register_blueprint(module.bp)
