"""French first, English second: the locale of each request, and formatting helpers."""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from flask import Flask, current_app, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

from portfolio.extensions import babel

LANGUAGE_COOKIE = "portfolio_lang"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def select_locale() -> str:
    """The user's setting, then the language cookie, then the browser, then French."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return command_line_locale()
    try:
        if current_user and current_user.is_authenticated and current_user.locale in languages:
            return current_user.locale
    except Exception:  # no database: still answer in a language
        pass
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"]


def command_line_locale() -> str:
    """The `portfolio` command speaks French when the terminal does, English otherwise."""
    value = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    return "fr" if (value or "").lower().startswith("fr") else "en"


def _isodate(value: str, fmt: str = "long") -> str:
    """A date stored as YYYY-MM-DD, in the reader's words ("2 novembre 2026")."""
    from datetime import date

    try:
        return format_date(date.fromisoformat(value), fmt)
    except ValueError:
        return value


def decimal(value, digits: int = 1) -> str:
    """A number as the reader writes it: "2,5" in French, "2.5" in English."""
    if value is None:
        return "—"
    return format_decimal(round(value, digits), format=f"#,##0.{'0' * digits}")


def _filesize(size: int) -> str:
    """A file size people read: "812 o", "14,2 Ko", "3,1 Mo" (English: B, kB, MB)."""
    units = ("o", "Ko", "Mo") if str(get_locale() or "fr").startswith("fr") else ("B", "kB", "MB")
    if size < 1024:
        return f"{format_decimal(size, format='#,##0')}\u00a0{units[0]}"
    if size < 1024 ** 2:
        return f"{format_decimal(size / 1024, format='#,##0.0')}\u00a0{units[1]}"
    return f"{format_decimal(size / 1024 ** 2, format='#,##0.0')}\u00a0{units[2]}"


def _device(user_agent: str | None) -> str:
    """"Firefox sur Windows" (English: "Firefox on Windows"); the raw string stays in title."""
    from flask_babel import gettext as _

    from portfolio.text import device_of

    found = device_of(user_agent)
    if found is None:
        return _("appareil inconnu")
    browser, system = found
    if browser and system:
        return _("%(browser)s sur %(system)s", browser=browser, system=system)
    return browser or system


def _content_lang(language: str | None = "fr"):
    """` lang="fr"` on text written in French (the référentiels, learners' writing) when the
    interface speaks another language, so that a screen reader switches voice (RGAA 8.7)."""
    from markupsafe import Markup

    language = language or "fr"
    if str(get_locale() or "fr") == language:
        return ""
    return Markup(f' lang="{language}"')  # noqa: S704 (a language code of ours)


@lru_cache(maxsize=8192)
def _day(value: date, fmt: str, locale: str) -> str:
    return babel_format_date(value, fmt, locale=locale)


def _date(value, fmt: str = "medium") -> str:
    """A day in the reader's language. A page lists the same few hundred days again and again
    (the self-assessment page: ~250 per rendering): plain dates are formatted once per
    process; datetimes go through Flask-Babel (the reader's time zone)."""
    if not value:
        return ""
    if type(value) is date:
        return _day(value, fmt, str(get_locale() or "fr"))
    return format_date(value, fmt)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["isodate"] = _isodate
    app.jinja_env.filters["decimal"] = decimal
    app.jinja_env.filters["device"] = _device
    app.jinja_env.filters["filesize"] = _filesize
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": (
        format_datetime(value, fmt) if value else "")
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "fr")
    app.jinja_env.globals["content_lang"] = _content_lang
