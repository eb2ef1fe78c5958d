"""Who is asking: the login manager, revocable sessions, and role checks in one place."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_htmx import make_response as htmx_response
from flask_login import current_user

from portfolio.extensions import htmx, login_manager
from portfolio.services.accounts import load_login


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message = _l(
        "Pour votre sécurité, confirmez votre mot de passe avant de continuer.")
    login_manager.needs_refresh_message_category = "info"
    login_manager.refresh_view = "auth.login"
    login_manager.session_protection = "basic"


@login_manager.user_loader
def _load_user(session_id: str):
    # "<id>:<token>": a login session deleted server-side revokes every copy of the cookie.
    user_id, _, token = session_id.partition(":")
    return load_login(user_id, token)


@login_manager.unauthorized_handler
def _unauthorized():
    login_url = url_for("auth.login", next=safe_next(request.full_path))
    if htmx:
        # A 302 would be swapped into the fragment: ask htmx to load the login page instead.
        return htmx_response("", 401, redirect=login_url)
    if request.path.startswith("/api/"):
        abort(401)
    from flask import flash

    flash(login_manager.login_message, "info")
    return redirect(login_url)


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (no open redirect)."""
    if not target:
        return None
    target = target.strip()
    if target.endswith("?"):
        target = target[:-1]
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def role_required(*roles: str):
    """Let through logged-in users of these roles; others see a 404, which reveals nothing."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_role(*roles: str):
    """A blueprint `before_request` hook with the same rule as `role_required`."""

    def hook():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(404)
        return None

    return hook
