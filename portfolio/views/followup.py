"""The carnet de liaison: fiches de suivi after each company period, and visit reports."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portfolio.auth import role_required
from portfolio.db import utcnow
from portfolio.models import Role
from portfolio.permissions import (
    get_learner_or_404,
    get_review_or_404,
    get_visit_or_404,
    referent_kind_of,
)
from portfolio.presenters import levels_from_form, render_review, render_visit
from portfolio.services import ServiceError, cohort_view, visits
from portfolio.services import period_reviews as reviews
from portfolio.services import periods as periods_service
from portfolio.text import parse_ints
from portfolio.unit_of_work import attempt

bp = Blueprint("followup", __name__)


@bp.get("/followup")
@role_required(Role.LEARNER, Role.REFERENT)
def index():
    """The learner's fiches and visits; a referent's, for each of their learners."""
    if current_user.role == Role.LEARNER:
        return render_template("followup/index.html",
                               reviews=reviews.reviews_of_learner(current_user.id),
                               visits=visits.visits_of_learner(current_user.id),
                               learners=None)
    return render_template("followup/index.html",
                           reviews=reviews.reviews_for_referent(current_user),
                           visits=visits.visits_for_referent(current_user),
                           learners=visits.learners_to_visit(current_user))


@bp.get("/followup/apprentices")
@role_required(Role.REFERENT)
def apprentices():
    """Each of the tutor's apprentices on one line: period, last fiche, last visit, requests
    waiting, gaps; sorted by the column asked for (`?sort=`)."""
    sort = request.args.get("sort", "name")
    sort = sort if sort in cohort_view.SORTS else "name"
    return render_template("followup/apprentices.html", sort=sort,
                           rows=cohort_view.apprentices(current_user, utcnow().date(), sort))


def _page(review, **kwargs):
    body, status = render_review(review, current_user, **kwargs)
    return make_response(body, status)


def fill_review(viewer, review, form, action: str | None = None) -> str:
    """The form that waits for this person, applied (shared with the links under /r/, where
    only the maître d'apprentissage's part may be filled); returns what to say."""
    action = action or form.get("action", "")
    if viewer.id == review.learner_id and action in ("save", "send"):
        reviews.save_self(viewer, review, form.get("missions"), form.get("learned"),
                          parse_ints(form.getlist("competency")), send=action == "send")
        return (_("Bilan envoyé à votre maître d'apprentissage.") if action == "send"
                else _("Bilan enregistré ; il n'est pas encore envoyé."))
    if viewer.id == review.learner_id and action == "export":
        reviews.set_in_export(viewer, review, form.get("in_export") == "1")
        return (_("La fiche ira dans votre export pour le jury.") if review.in_export
                else _("La fiche n'ira pas dans votre export."))
    kind = referent_kind_of(viewer, review.learner_id)
    if kind == "entreprise" and action == "company":
        ids = [c.id for c in reviews.exercised(review)]
        reviews.fill_company(
            viewer, review, levels_from_form(ids, form),
            {cid: form.get(f"comment-{cid}", "") for cid in ids},
            savoir_etre=form.get("savoir_etre"), missions_next=form.get("missions_next"),
            comment=form.get("company_comment"), confirmed=form.get("confirm") == "1",
            name=form.get("attested_name"))
        return _("Fiche signée et envoyée au tuteur académique : merci.")
    if kind == "academique" and action == "close":
        reviews.close(viewer, review, form.get("academic_comment"))
        return _("Fiche close.")
    abort(404)


@bp.route("/followup/reviews/<id:review_id>", methods=["GET", "POST"])
@login_required
def review(review_id: int):
    item = get_review_or_404(review_id, current_user)
    if request.method == "POST":
        try:
            with attempt():
                message = fill_review(current_user, item, request.form)
        except ServiceError as error:
            return _page(item, error=error, status=422)
        flash(message, "success")
        return redirect(url_for("followup.review", review_id=item.id))
    return _page(item)


@bp.route("/learners/<id:learner_id>/visits/new", methods=["GET", "POST"])
@role_required(Role.REFERENT)
def new_visit(learner_id: int):
    """The tuteur académique writes the report of a visit to the company."""
    learner = get_learner_or_404(learner_id, current_user)
    if referent_kind_of(current_user, learner.id) != "academique":
        abort(404)
    error = None
    if request.method == "POST":
        form = request.form
        try:
            with attempt():
                day = periods_service.parse_day(form.get("visited_on"), "visited_on")
                visit = visits.write(current_user, learner, day,
                                     people_met=form.get("people_met"),
                                     missions=form.get("missions"), agreed=form.get("agreed"))
        except ServiceError as refused:
            error = refused
        else:
            flash(_("Compte rendu enregistré ; l'apprenti·e et le maître d'apprentissage en "
                    "sont avertis."), "success")
            return redirect(url_for("followup.visit", visit_id=visit.id))
    return render_template("followup/visit_new.html", learner=learner, error=error,
                           form=request.form), 422 if error else 200


@bp.route("/followup/visits/<id:visit_id>", methods=["GET", "POST"])
@login_required
def visit(visit_id: int):
    item = get_visit_or_404(visit_id, current_user)
    if request.method == "POST":
        try:
            with attempt():
                visits.annotate(current_user, item, request.form.get("body"))
        except ServiceError as error:
            body, status = render_visit(item, current_user, error=error, status=422)
            return make_response(body, status)
        flash(_("Lecture confirmée."), "success")
        return redirect(url_for("followup.visit", visit_id=item.id))
    body, status = render_visit(item, current_user)
    return make_response(body, status)
