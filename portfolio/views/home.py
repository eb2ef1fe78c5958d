"""The home page: a dashboard for each role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portfolio.db import db
from portfolio.models import Cohort, Role, User
from portfolio.pagecache import cached
from portfolio.presenters import learner_home_context, referent_home_context
from portfolio.services.directory import assignments_of_learner, assignments_of_referent

bp = Blueprint("home", __name__)


@bp.get("/")
@cached
def index():
    """Send visitors to the login page and users to their dashboard."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    role = current_user.role
    context = {}
    if role == Role.LEARNER:
        context["assignments"] = assignments_of_learner(current_user)
        context.update(learner_home_context(current_user, request.args))
    elif role == Role.REFERENT:
        context["assignments"] = assignments_of_referent(current_user)
        context.update(referent_home_context(current_user, context["assignments"]))
    elif role == Role.ADMIN:
        counts = dict(db.session.execute(
            select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)
        ).all())
        context["counts"] = {r.value: counts.get(r.value, 0) for r in Role}
        context["cohort_count"] = db.session.scalar(select(func.count()).select_from(Cohort))
    return render_template(f"home/{role}.html", **context)


@bp.post("/language")
def set_language():
    """Switch the interface language (saved on the account when logged in)."""
    from flask import current_app

    from portfolio.auth import safe_next
    from portfolio.i18n import LANGUAGE_COOKIE

    language = request.form.get("language", "")
    target = safe_next(request.form.get("next")) or url_for("home.index")
    response = redirect(target)
    if language in current_app.config["LANGUAGES"]:
        if current_user.is_authenticated:
            current_user.locale = language
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600,
                            samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
