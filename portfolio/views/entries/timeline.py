"""The timeline: a learner's entries, or the entries a referent may read."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portfolio import vocabulary
from portfolio.extensions import htmx
from portfolio.models import Role
from portfolio.pagecache import cached
from portfolio.permissions import get_followed_learner
from portfolio.services.enrolments import enrolments_of
from portfolio.services.timeline import filters_from_args, list_entries
from portfolio.views.entries import bp


def _heading(learner_id: int | None) -> str:
    """What the page is: my path, one learner's entries, or all my learners'."""
    if current_user.role == Role.LEARNER:
        return _("Mon parcours")
    learner = get_followed_learner(current_user, learner_id) if learner_id else None
    if learner is not None:
        return _("Entrées de %(name)s", name=learner.name)
    return _("Entrées de mes apprentis")


@bp.get("/entries")
@login_required
@cached
def index():
    """The learner's entries (a referent's: their learners' readable ones), filtered."""
    if current_user.role not in (Role.LEARNER, Role.REFERENT):
        abort(404)
    filters = filters_from_args(request.args)
    page = list_entries(current_user, filters)
    from portfolio.services.periods import periods_of_learner

    whose = filters.learner if current_user.role == Role.REFERENT else current_user.id
    context = dict(page=page, filters=filters, kind_labels=vocabulary.KINDS,
                   periods=periods_of_learner(whose) if whose else [],
                   enrolments=enrolments_of(current_user.id)
                   if current_user.role == Role.LEARNER else [],
                   heading=_heading(filters.learner))
    if htmx and htmx.target == "entry-list":
        return (render_template("entries/_list.html", **context)
                + render_template("entries/_count.html", oob=True, **context))
    return render_template("entries/index.html", **context)
