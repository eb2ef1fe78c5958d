"""Probes for the process (/healthz) and for its database (/readyz)."""

from __future__ import annotations

from flask import Blueprint, Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portfolio.db import db
from portfolio.extensions import csrf, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer while the process serves requests."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503, {"Retry-After": "30"}
    return {"status": "ok", "database": "ok"}


def init_app(app: Flask) -> None:
    limiter.exempt(bp)
    csrf.exempt(bp)
    app.register_blueprint(bp)
