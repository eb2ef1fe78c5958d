"""Response headers, bounded ids and refused bytes: what every request goes through."""

from __future__ import annotations

from flask import Flask, abort, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from portfolio.extensions import csrf, htmx, limiter

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

# Ids are INTEGER columns: anything above fits no row and would overflow PostgreSQL.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """A positive database id: huge numbers are a 404, not an overflow in the driver."""

    # ASCII only (\d also takes other scripts' digits), no leading zero: one address per id.
    regex = r"[1-9][0-9]{0,9}"

    def __init__(self, url_map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def init_app(app: Flask) -> None:
    """Install the id converter, the input checks and the security headers."""
    app.url_map.converters["id"] = IdConverter
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.before_request(refuse_nul_bytes)
    app.after_request(set_security_headers)


def refuse_nul_bytes():
    """Refuse NUL bytes anywhere in the query or the form: PostgreSQL would, later and worse."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, description=_("La requête contient un caractère nul (\\0), refusé."))
    return None


# Added to every answer unless the view set its own (an attachment's or a share page's CSP).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    # same-origin, not no-referrer: Flask-WTF checks the Referer on HTTPS posts.
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def set_security_headers(response):
    """Add the security headers; keep authenticated pages out of every cache."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    # (one pass over the answer's headers: werkzeug's setdefault scans them for each name)
    headers.extend([(name, value) for name, value in SECURITY_HEADERS
                    if name.lower() not in present])
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", "max-age=31536000")
    if response.mimetype == "text/html":
        # One URL may answer a full page or an htmx fragment: caches must keep them apart.
        response.vary.add("HX-Request")
    if request.endpoint != "static" and (request.path.startswith("/api/") or _authenticated()):
        headers["Cache-Control"] = "no-store"  # (the API authenticates by token, not session)
    return response


def _authenticated() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # the database is down: the error page is answered anyway
        return False
