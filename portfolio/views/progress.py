"""Levels and progress: the self-assessment page, a learner's compétence, the radar."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portfolio.db import db, utcnow
from portfolio.extensions import htmx
from portfolio.models import Competency, Entry, Source, User
from portfolio.permissions import (
    can_referent_assess,
    can_self_assess,
    get_learner_or_404,
    readable_entries,
)
from portfolio.presenters import progress_context
from portfolio.services import ServiceError
from portfolio.services import assessments as service
from portfolio.services import progress as progress_service
from portfolio.services.evidence import evidence_of
from portfolio.services.progress import Progress
from portfolio.stepchart import Steps, step_chart_svg
from portfolio.text import parse_int, parse_ints
from portfolio.unit_of_work import attempt

bp = Blueprint("progress", __name__)

# Pages ------------------------------------------------------------------------------------------

@bp.get("/learners/<id:learner_id>")
@login_required
def learner(learner_id: int):
    """A learner as their referent sees them: radar, levels, the way to their entries."""
    person = get_learner_or_404(learner_id, current_user)
    if current_user.id == person.id:
        return redirect(url_for("home.index", **request.args))
    context = progress_context(person, referent_view=True, args=request.args)
    return render_template("progress/learner.html", learner=person, **context)


@bp.get("/learners/<id:learner_id>/evidence")
@login_required
def evidence(learner_id: int):
    """Evidence sufficiency, criterion by criterion, and the gaps (`?gaps=1`: those only)."""
    person = get_learner_or_404(learner_id, current_user)
    referent_view = current_user.id != person.id
    return render_template("progress/evidence.html", learner=person,
                           frameworks=evidence_of(person, referent_view=referent_view),
                           gaps_only=request.args.get("gaps") == "1",
                           referent_view=referent_view)


def _page_context(person: User, framework_code: str) -> dict:
    referent_view = current_user.id != person.id
    progresses = progress_service.progress_of(person.id, referent_view=referent_view,
                                              with_criteria=True)
    progress = next((p for p in progresses if p.framework.code == framework_code), None)
    if progress is None:
        abort(404)
    ids = [c.competency.id for b in progress.blocks for c in b.competencies]
    evidence = service.evidence_entries(person.id, ids) if not referent_view else {}
    return dict(learner=person, progress=progress, evidence=evidence,
                referent_view=referent_view, scale=progress.framework.scale,
                can_self=can_self_assess(current_user, person.id),
                can_referent=can_referent_assess(current_user, person.id))


@bp.get("/learners/<id:learner_id>/frameworks/<code>")
@login_required
def assessment_page(learner_id: int, code: str):
    """Every compétence of the learner's blocks: both levels side by side, evidence, forms."""
    person = get_learner_or_404(learner_id, current_user)
    return render_template("progress/assessment.html", **_page_context(person, code))


def _competency_or_404(person: User, competency_id: int) -> tuple[Progress, object]:
    referent_view = current_user.id != person.id
    for progress in progress_service.progress_of(person.id, referent_view=referent_view,
                                                 with_criteria=True):
        item = progress.competency(competency_id)
        if item is not None:
            return progress, item
    abort(404)


@bp.get("/learners/<id:learner_id>/competencies/<id:competency_id>")
@login_required
def competency(learner_id: int, competency_id: int):
    """One compétence of a learner: criteria, levels and their history, evidence."""
    return _competency_page(get_learner_or_404(learner_id, current_user), competency_id)


def _competency_page(person: User, competency_id: int, refused: dict | None = None):
    progress, item = _competency_or_404(person, competency_id)
    history = service.history(person.id, competency_id)
    entries = list(db.session.scalars(
        select(Entry).where(readable_entries(current_user), Entry.learner_id == person.id,
                            Entry.tags.any(competency_id=competency_id))
        .options(selectinload(Entry.tags))
        .order_by(Entry.occurred_on.desc(), Entry.id.desc())))
    cited = {i for a in history for i in (a.entry_ids or [])}
    readable_cited = {e.id: e for e in db.session.scalars(
        select(Entry).where(Entry.id.in_(cited), readable_entries(current_user)))} \
        if cited else {}
    return render_template(
        "progress/competency.html", learner=person, progress=progress, item=item,
        history=list(reversed(history)), entries=entries, cited=readable_cited,
        chart=_step_chart(progress, history), scale=progress.framework.scale,
        evidence={competency_id: entries[:service.MAX_ENTRIES]}
        if current_user.id == person.id else {},
        can_self=can_self_assess(current_user, person.id),
        can_referent=can_referent_assess(current_user, person.id), refused=refused)


def _step_chart(progress: Progress, history) -> Markup | None:
    if not history:
        return None
    start = history[0].created_at - timedelta(days=1)
    end = max(utcnow(), history[-1].created_at)
    series = [Steps(source, label, [(a.created_at, a.level) for a in history
                                    if a.source == source])
              for source, label in (("self", _("Auto-évaluation")),
                                    ("referent", _("Tuteur")))]
    svg = step_chart_svg(
        series, progress.max_level, start, end,
        title=_("Historique des niveaux"),
        description=_("Niveaux successifs de l'auto-évaluation et du tuteur ; le tableau qui "
                      "suit les donne en détail."),
        start_label=format_date(start, "medium"), end_label=format_date(end, "medium"))
    return Markup(svg)  # noqa: S704 (step_chart_svg escapes every text it draws)


# Setting a level --------------------------------------------------------------------------------

def _level_from_form() -> int | None:
    return parse_int(request.form.get("level"), 3)


def _row_response(person: User, competency_id: int, *, error: ServiceError | None = None,
                  pending: int | None = None, saved: bool = False):
    progress, item = _competency_or_404(person, competency_id)
    evidence = service.evidence_entries(person.id, [competency_id]) \
        if current_user.id == person.id else {}
    return render_template(
        "progress/_competency_row.html", learner=person, progress=progress, c=item,
        evidence=evidence, scale=progress.framework.scale, error=error, pending=pending,
        saved=saved, form=request.form, can_self=can_self_assess(current_user, person.id),
        can_referent=can_referent_assess(current_user, person.id)), 422 if error else 200


def _set_level(learner_id: int, competency_id: int, source: Source):
    person = get_learner_or_404(learner_id, current_user)
    allowed = can_self_assess if source == Source.SELF else can_referent_assess
    if not allowed(current_user, person.id):
        abort(404)
    item = db.session.get(Competency, competency_id)
    if item is None:
        abort(404)
    level = _level_from_form()
    text = request.form.get("justification", "")
    try:
        with attempt():
            if source == Source.SELF:
                entry_ids = parse_ints(request.form.getlist("entry_ids"))
                service.assess_self(person, item, level, text, entry_ids)
            else:
                service.assess_as_referent(current_user, person, item, level, text)
    except ServiceError as error:
        if htmx:
            return _row_response(person, competency_id, error=error, pending=level)
        # Without JavaScript: the page again, the message at the compétence (its field takes
        # the focus, so the page opens there), what was typed kept.
        refused = dict(cid=competency_id, error=error, pending=level, form=request.form)
        if request.form.get("from") == "competency":
            return _competency_page(person, competency_id, refused)[0], 422
        return render_template("progress/assessment.html", refused=refused,
                               **_page_context(person, item.framework.code)), 422
    if htmx:
        return _row_response(person, competency_id, saved=True)
    flash(_("Niveau enregistré pour %(code)s.", code=item.code), "success")
    return redirect(_back(person, item) + f"#competency-{competency_id}")


def _back(person: User, item: Competency) -> str:
    if request.form.get("from") == "competency":
        return url_for("progress.competency", learner_id=person.id, competency_id=item.id)
    return url_for("progress.assessment_page", learner_id=person.id, code=item.framework.code)


@bp.post("/learners/<id:learner_id>/competencies/<id:competency_id>/self")
@login_required
def set_self_level(learner_id: int, competency_id: int):
    """The learner's own level (one click with htmx; a justification when it changes)."""
    return _set_level(learner_id, competency_id, Source.SELF)


@bp.post("/learners/<id:learner_id>/competencies/<id:competency_id>/referent")
@login_required
def set_referent_level(learner_id: int, competency_id: int):
    """A referent's level and comment for one of their learners."""
    return _set_level(learner_id, competency_id, Source.REFERENT)


