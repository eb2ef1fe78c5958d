"""The database: declarative base, naming convention, connection settings per backend."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, event
from sqlalchemy.orm import DeclarativeBase, registry

from portfolio.extensions import migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# Stable constraint names, so that migrations can drop and alter them (SQLite batch mode too).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTCDateTime column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


db = SQLAlchemy(model_class=Base)

_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _sqlite_listeners(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def configure(dbapi_connection, _record) -> None:
        # Let the "begin" listener below decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(conn) -> None:
        # A deferred transaction that reads and then writes fails with "database is locked"
        # whatever the busy timeout: writes take the write lock when they begin. Reads (GET
        # pages) stay deferred so that they run side by side under WAL.
        if has_request_context() and request.method not in _WRITE_METHODS:
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


log = logging.getLogger(__name__)


def _end_session_safely(_error=None) -> None:
    try:
        db.session.remove()
    except Exception:  # the connection is gone: drop it, the pool will open a new one
        log.warning("database session could not be closed cleanly; connection discarded")
        try:
            db.session.registry().invalidate()
        except Exception:
            pass
        db.session.registry.clear()


def init_app(app: Flask) -> None:
    """Bind the database to the app with the settings its backend needs."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
        connect_args = options.setdefault("connect_args", {})
        timeout = int(app.config["DATABASE_STATEMENT_TIMEOUT_MS"])
        connect_args.setdefault("options", f"-c statement_timeout={timeout}")
        connect_args.setdefault("connect_timeout", 5)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    import portfolio.models  # noqa: F401  (registers every table on the metadata)
    import portfolio.search  # noqa: F401  (and the full-text tables next to them)

    db.init_app(app)
    # Registered after Flask-SQLAlchemy's, so it runs first: ending the session on a connection
    # the database dropped must not turn the answer (a 503 page) into a server error.
    app.teardown_appcontext(_end_session_safely)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True,
                     compare_type=True)
    if url.startswith("sqlite"):
        with app.app_context():
            _sqlite_listeners(db.engine, int(app.config["SQLITE_BUSY_TIMEOUT_MS"]))
