"""The database: the session per request, connection settings per backend (the declarative
base and its naming convention are in portfolio/models/base.py)."""

from __future__ import annotations

import logging
import time

from flask import Flask, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

import portfolio.models  # noqa: F401  (registers every table on the metadata)
from portfolio import versions
from portfolio.extensions import migrate
from portfolio.models.base import NAMING_CONVENTION, Base, UTCDateTime, utcnow  # noqa: F401
from portfolio.paths import shipped

MIGRATIONS = shipped("migrations")

db = SQLAlchemy(model_class=Base)

_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
NO_DATABASE = {"static", "health.healthz"}  # endpoints that never touch the database


def _sqlite_listeners(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def configure(dbapi_connection, _record) -> None:
        # Let the "begin" listener below decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted content is overwritten, not left in free pages (an erased account's text).
        cursor.execute("PRAGMA secure_delete=ON")
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


def checkpoint_wal() -> None:
    """On SQLite, copy the write-ahead log into the database and empty it (what was deleted
    stays in its frames until then); nothing elsewhere."""
    if db.engine.dialect.name != "sqlite":
        return
    raw = db.engine.raw_connection()  # outside any transaction: a checkpoint cannot run in one
    try:
        busy, _frames, _done = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        raw.close()
    if busy:
        log.warning("WAL checkpoint after a purge was blocked by a reader; it runs later")


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
        connect_args = options.setdefault("connect_args", {})
        timeout = int(app.config["DATABASE_STATEMENT_TIMEOUT_MS"])
        connect_args.setdefault("options", f"-c statement_timeout={timeout}")
        connect_args.setdefault("connect_timeout", 5)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    from flask_sqlalchemy.session import Session

    import portfolio.search  # noqa: F401  (the full-text tables next to the models' tables)

    versions.install(Session)

    db.init_app(app)
    # Registered after Flask-SQLAlchemy's, so it runs first: ending the session on a connection
    # the database dropped must not turn the answer (a 503 page) into a server error.
    app.teardown_appcontext(_end_session_safely)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True,
                     compare_type=True)
    if url.startswith("sqlite"):
        with app.app_context():
            _sqlite_listeners(db.engine, int(app.config["SQLITE_BUSY_TIMEOUT_MS"]))
    elif url.startswith("postgresql"):
        with app.app_context():
            _postgres_listeners(db.engine, app.config["DATABASE_PING_AFTER_IDLE_S"])
        app.before_request(_read_without_transaction)


def _postgres_listeners(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only when it sat idle a while: a connection in
    use a moment ago is alive, and a ping on every request would cost a round trip. A
    connection found dead is replaced (the pool tries another); one that dies in use fails
    its request with a 503 and the pool drops every connection of that age."""

    @event.listens_for(engine, "checkin")
    def checkin(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checkout(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since > idle_seconds:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as error:
                raise DisconnectionError("stale pooled connection") from error


def _read_without_transaction() -> None:
    """On PostgreSQL, a GET runs its statements outside a transaction: no BEGIN and ROLLBACK
    round trips around a page. Each statement sees the latest committed data, as it already
    did in a READ COMMITTED transaction; the few GET answers that write (an API token's last
    use, a share link's access log) commit each write at once, as they did."""
    if request.method in ("GET", "HEAD") and request.endpoint not in NO_DATABASE:
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
