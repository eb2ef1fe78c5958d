"""Configuration: environment variables with safe defaults.

`Config` is what `make run` uses; `TestConfig` is what the test suite subclasses;
`ProductionConfig` refuses to start without a real `SECRET_KEY`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

# The deployment's own files (SQLite database, uploads, exports waiting to be downloaded):
# PORTFOLIO_INSTANCE, else `instance/` in the folder the command runs from (never inside the
# installed package).
INSTANCE = Path(os.environ.get("PORTFOLIO_INSTANCE") or Path.cwd() / "instance").resolve()
TRANSLATIONS = Path(__file__).resolve().parent / "portfolio" / "translations"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEV_SECRET_KEY = "dev-only-not-secret"


class Config:
    """Development defaults: embedded SQLite, emails printed and kept in an outbox."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'portfolio.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Statement timeout on PostgreSQL, in milliseconds: a runaway query must not hold a worker.
    DATABASE_STATEMENT_TIMEOUT_MS = _int("DATABASE_STATEMENT_TIMEOUT_MS", 30_000)
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 5_000)
    # A pooled PostgreSQL connection idle longer than this is checked before use.
    DATABASE_PING_AFTER_IDLE_S = _int("DATABASE_PING_AFTER_IDLE_S", 10)

    # Public address, used for links in emails: never built from the Host header.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}")

    # Sessions and cookies.
    SESSION_COOKIE_NAME = "portfolio_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_NAME = "portfolio_remember"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    # A login (and so a remember cookie) lives at most this long, then one logs in again.
    LOGIN_SESSION_LIFETIME = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)

    # CSRF: no time limit, or a long writing session fails when it saves.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True

    # Passwords: argon2id with argon2-cffi's defaults ("cheapest" in tests only).
    PASSWORD_HASH_PROFILE = "default"
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_RESET_MAX_AGE = timedelta(hours=2)
    INVITATION_MAX_AGE = timedelta(days=14)

    # Rate limits (Flask-Limiter): in memory by default, Redis when RATELIMIT_STORAGE_URI is set.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Our 429 page sets Retry-After itself; Flask-Limiter's headers would set it on every page.
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_LOGIN_PER_IP = os.environ.get("RATELIMIT_LOGIN_PER_IP", "20 per minute;200 per hour")
    RATELIMIT_LOGIN_PER_ACCOUNT = os.environ.get(
        "RATELIMIT_LOGIN_PER_ACCOUNT", "5 per minute;30 per hour"
    )

    # Email: "smtp" sends through MAIL_SERVER; "console" keeps an outbox and logs each mail.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)  # STARTTLS
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)  # implicit TLS (port 465)
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Portfolio <portfolio@localhost>")

    # Internationalisation: French first, English second.
    LANGUAGES = ("fr", "en")
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Europe/Paris")
    BABEL_TRANSLATION_DIRECTORIES = str(TRANSLATIONS)

    # One evidence file at most this big (a clear message past it); a request a little more.
    ATTACHMENT_MAX_BYTES = _int("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", ATTACHMENT_MAX_BYTES + 5 * 1024 * 1024)
    # Days a link sent to a maître d'apprentissage without an account stays valid.
    REFERENT_LINK_DAYS = _int("REFERENT_LINK_DAYS", 14)
    # A Leap2A archive brought in from another portfolio (the import page only).
    IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 200 * 1024 * 1024)
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE / "uploads"))
    # Requests per API token (Flask-Limiter syntax).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")
    # `portfolio notify reminders` reminds referents of requests open longer than this.
    FEEDBACK_REMINDER_DAYS = _int("FEEDBACK_REMINDER_DAYS", 7)
    # `portfolio notify period-reviews` recalls a fiche de suivi not started after this.
    REVIEW_REMINDER_DAYS = _int("REVIEW_REMINDER_DAYS", 7)
    # Rendered pages kept in memory per process (portfolio/pagecache.py); 0 turns it off.
    PAGE_CACHE_MB = _int("PAGE_CACHE_MB", 32)
    # For the benchmark: each page the cache may keep says whether it was served from it, and
    # the cache's bytes in this process (X-Page-Cache: hit|miss; bytes=N). Off in production.
    PAGE_CACHE_REPORT = _bool("PAGE_CACHE_REPORT", False)
    # Background jobs (portfolio/jobs.py): "local" runs them in threads of the web process (no
    # other server); "redis://host:6379/1" queues them in Redis for `portfolio worker`.
    JOBS_BROKER = os.environ.get("JOBS_BROKER", "local")
    JOBS_NAMESPACE = os.environ.get("JOBS_NAMESPACE", "portfolio")
    JOBS_THREADS = _int("JOBS_THREADS", 2)
    # A worker silent this long is taken for dead: its unfinished jobs go back to the queue.
    JOBS_HEARTBEAT_TIMEOUT_MS = _int("JOBS_HEARTBEAT_TIMEOUT_MS", 60_000)
    # How many of a million queue reads also look for dead workers' jobs (Dramatiq's setting).
    JOBS_MAINTENANCE_CHANCE = _int("JOBS_MAINTENANCE_CHANCE", 10_000)
    JOBS_SCHEDULE_CHECK_S = _int("JOBS_SCHEDULE_CHECK_S", 60)
    # With "local", the web process runs the schedule (reminders, purge) itself.
    JOBS_SCHEDULE_IN_WEB = _bool("JOBS_SCHEDULE_IN_WEB", True)
    # Jury exports (PDF, ZIP) written by a worker wait here this long for their download.
    EXPORT_FOLDER = os.environ.get("EXPORT_FOLDER", str(INSTANCE / "exports"))
    EXPORT_KEEP_HOURS = _int("EXPORT_KEEP_HOURS", 24)
    CSV_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    CSV_IMPORT_MAX_ROWS = 5_000

    @classmethod
    def check(cls, settings: dict) -> None:
        """Refuse a configuration that must not run; the default one always may."""


class ProductionConfig(Config):
    """Production: a real secret, secure cookies, SMTP mail."""

    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")

    @classmethod
    def check(cls, settings: dict) -> None:
        key = settings.get("SECRET_KEY") or ""
        if key == DEV_SECRET_KEY or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set in the environment (at least 32 characters) "
                "to run Portfolio in production; for example: "
                'export SECRET_KEY="$(python -c '
                '"import secrets; print(secrets.token_urlsafe(48))")"'
            )


class TestConfig(Config):
    """The test suite: a throwaway database, cheap hashing, an outbox for mail."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PASSWORD_HASH_PROFILE = "cheapest"
    MAIL_BACKEND = "outbox"
    JOBS_BROKER = "eager"
    JOBS_SCHEDULE_IN_WEB = False
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    PUBLIC_URL = "https://portfolio.example.org"
    SERVER_NAME = None


CONFIGS = {
    "development": Config,
    "production": ProductionConfig,
    "testing": TestConfig,
}
