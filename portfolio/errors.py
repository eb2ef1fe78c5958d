"""Error pages: full pages, htmx fragments, or JSON under /api; never a traceback."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_htmx import make_response as htmx_response
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portfolio.db import db
from portfolio.extensions import htmx, limiter
from portfolio.services import NotFound

log = logging.getLogger("portfolio.errors")

RETRY_AFTER_SECONDS = "30"


def _titles() -> dict[int, str]:
    return {
        400: _("Requête incorrecte"),
        401: _("Connexion nécessaire"),
        403: _("Accès refusé"),
        404: _("Page introuvable"),
        405: _("Méthode non permise"),
        409: _("Conflit"),
        413: _("Fichier trop volumineux"),
        422: _("Données refusées"),
        429: _("Trop de tentatives"),
        500: _("Erreur interne"),
        503: _("Service momentanément indisponible"),
    }


def _messages() -> dict[int, str]:
    return {
        404: _("Cette page n'existe pas, ou vous n'y avez pas accès."),
        413: _("Le fichier envoyé dépasse la taille permise."),
        429: _("Trop de tentatives en peu de temps. Réessayez dans quelques minutes."),
        500: _("Une erreur inattendue s'est produite. Rien n'a été enregistré ; "
               "réessayez, et prévenez l'école si cela recommence."),
        503: _("La base de données ne répond pas pour l'instant. Réessayez dans un moment : "
               "rien n'a été perdu."),
    }


def render_error(status: int, message: str | None = None, headers: dict | None = None):
    """Render an error as JSON (API), an htmx fragment or a full page."""
    title = _titles().get(status, _("Erreur"))
    message = message or _messages().get(status) or title
    headers = dict(headers or {})
    if request.path.startswith("/api/"):
        code = title if status not in _CODES else _CODES[status]
        return jsonify(error={"code": code, "message": message}), status, headers
    # 500 and 503 pages never touch the database (it may be the cause).
    standalone = status >= 500
    if htmx:
        template = "errors/_error.html"
    else:
        template = "errors/standalone.html" if standalone else "errors/page.html"
    if status >= 500:
        # Straight from the template, without the context processors: Flask-Login's would
        # load the user, from the very database that may be down.
        body = current_app.jinja_env.get_template(template).render(
            status=status, title=title, message=message, request=request)
    else:
        body = render_template(template, status=status, title=title, message=message)
    if htmx:  # the fragment goes to the page's message area, not into the element that asked
        return htmx_response(body, status, headers, retarget="#messages", reswap="innerHTML")
    return body, status, headers


_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid",
          429: "rate_limited", 500: "internal", 503: "unavailable"}


def handle_http(error: HTTPException):
    headers = {"Allow": error.get_response().headers["Allow"]} if error.code == 405 else {}
    message = error.description if error.code in (400,) else None
    if error.code == 429:
        headers["Retry-After"] = str(_retry_after())
    return render_error(error.code or 500, message, headers)


def _retry_after() -> int:
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, math.ceil(limit.reset_at - time.time()))


def handle_csrf(error: CSRFError):
    # X-CSRF-Expired: our script then fetches a fresh token, so a long-open editor keeps its text.
    return render_error(400, _(
        "Le formulaire a expiré ou n'a pas été envoyé depuis Portfolio. Rechargez la page et "
        "recommencez."), headers={"X-CSRF-Expired": "1"})


def handle_database_down(error: DBAPIError):
    rollback()
    if isinstance(error, OperationalError) or getattr(error, "connection_invalidated", False):
        log.error("database unreachable: %s", error.__class__.__name__)
        return render_error(503, headers={"Retry-After": RETRY_AFTER_SECONDS})
    return handle_unexpected(error)


def handle_unexpected(error: Exception):
    rollback()
    original = getattr(error, "original_exception", None) or error
    log.exception("unexpected error", exc_info=original)
    return render_error(500)


def rollback() -> None:
    """Roll the request's transaction back, even when its connection is gone."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone
        log.warning("rollback failed")


def handle_not_found(_error: NotFound):
    """A service said the thing is not there, or not for this person: the same 404 page (or
    fragment, or JSON) as any other, never the service's words."""
    rollback()
    return render_error(404)


def title_says_refused(response):
    """A page answering a refused form (422) says so first in its title ("Erreur : ..."), the
    first thing a screen reader reads after the page changes."""
    if response.status_code != 422 or response.mimetype != "text/html" or htmx or \
            response.direct_passthrough:
        return response
    body = response.get_data(as_text=True)
    prefix = _("Erreur :")
    if "<title>" in body and f"<title>{prefix}" not in body:
        response.set_data(body.replace("<title>", f"<title>{prefix} ", 1))
    return response


def init_app(app: Flask) -> None:
    app.after_request(title_says_refused)
    app.register_error_handler(NotFound, handle_not_found)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DBAPIError, handle_database_down)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
