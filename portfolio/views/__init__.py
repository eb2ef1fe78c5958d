"""The web pages, one blueprint per feature."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from portfolio.views import (
        account,
        admin,
        admin_frameworks,
        admin_periods,
        admin_rncp,
        auth,
        entries,
        exports,
        feedback,
        followup,
        frameworks,
        home,
        imports,
        progress,
        referent_links,
    )

    for module in (auth, home, account, admin, admin_frameworks, admin_periods, admin_rncp,
                   frameworks, entries,
                   progress, feedback, followup, exports, imports, referent_links):
        app.register_blueprint(module.bp)
    feedback.init_app(app)
