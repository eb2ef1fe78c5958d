"""Portfolio: an e-portfolio with competency self-assessment for engineering apprentices."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from portfolio.paths import shipped


def create_app(config: str | type | None = None, overrides: Mapping | None = None) -> Flask:
    """Build the application: a table of contents of what it is made of."""
    from config import CONFIGS, INSTANCE

    app = Flask(
        __name__,
        template_folder=str(shipped("templates")),
        static_folder=str(shipped("static")),
        instance_path=str(INSTANCE),
    )
    load_config(app, config, overrides, CONFIGS)

    from portfolio import (
        api,
        auth,
        cli,
        db,
        errors,
        health,
        i18n,
        jobs,
        mail,
        markdown,
        pagecache,
        passwords,
        security,
        storage,
        unit_of_work,
        views,
        vocabulary,
    )

    db.init_app(app)
    security.init_app(app)
    passwords.init_app(app)
    mail.init_app(app)
    jobs.init_app(app)
    storage.init_app(app)
    markdown.init_app(app)
    i18n.init_app(app)
    vocabulary.init_app(app)
    pagecache.init_app(app)
    auth.init_app(app)
    views.init_app(app)
    api.init_app(app)
    health.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    unit_of_work.init_app(app)  # last: its after-request function runs first
    return app


def load_config(app: Flask, config, overrides, configs) -> None:
    """Load the named (or given) configuration class, then any overrides, and check it."""
    import os

    if config is None:
        config = os.environ.get("PORTFOLIO_CONFIG", "development")
    if isinstance(config, str):
        if config not in configs:
            raise RuntimeError(f"PORTFOLIO_CONFIG must be one of {', '.join(configs)}")
        config = configs[config]
    app.config.from_object(config)
    if overrides:
        app.config.update(overrides)
    config.check(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
