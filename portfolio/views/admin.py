"""The école's administration: accounts, cohorts, referent assignments. No learner content."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from portfolio.admin_forms import (
    AssignForm,
    CohortForm,
    CompanyTutorForm,
    ImportForm,
    MemberForm,
    NewUserForm,
    UserForm,
    role_choices,
)
from portfolio.auth import require_role
from portfolio.db import db, utcnow
from portfolio.extensions import htmx
from portfolio.forms import apply_service_error, confirmation
from portfolio.models import Assignment, Cohort, Role, User
from portfolio.presenters import enrol_form_context, render_cohort
from portfolio.services import ServiceError, accounts, directory, referent_links
from portfolio.services.enrolments import enrolments_of
from portfolio.services.user_import import import_users_csv
from portfolio.text import parse_int
from portfolio.unit_of_work import attempt

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_role(Role.ADMIN))

PAGE_SIZE = 50


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


# Users -----------------------------------------------------------------------------------

@bp.get("/users")
def users():
    """List and search the accounts."""
    q = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role") or ""
    page = max(1, min(parse_int(request.args.get("page"), 5) or 1, 10_000))
    query = select(User)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(User.name, User.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    context = dict(users=rows, q=q, role=role, page=page, total=total, page_size=PAGE_SIZE,
                   roles=role_choices())
    if htmx:
        return render_template("admin/_user_rows.html", **context)
    return render_template("admin/users.html", **context)


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    """Create an account and email its invitation."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            with attempt():
                user = accounts.create_user(email=form.email.data, name=form.name.data,
                                            role=form.role.data, locale=form.locale.data)
                if form.cohort.data:
                    directory.add_to_cohort(directory.get_or_create_cohort(form.cohort.data),
                                            user)
        except ServiceError as error:
            apply_service_error(form, error, default_field="cohort")
        else:
            accounts.send_invitation(user)
            flash(_("Compte créé pour %(name)s ; une invitation a été envoyée à %(email)s.",
                    name=user.name, email=user.email), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_new.html", form=form), status


def _render_user(user: User, form=None, assign_form=None, company_form=None, status=200):
    form = form or UserForm(obj=user, locale=user.locale or "")
    assign_form = assign_form or AssignForm()
    referents = db.session.scalars(select(User).where(
        User.role == Role.REFERENT, User.active.is_(True)).order_by(User.name)).all()
    assign_form.referent.choices = [(r.id, f"{r.name} <{r.email}>") for r in referents]
    context = dict(user=user, form=form, assign_form=assign_form,
                   company_form=company_form or CompanyTutorForm())
    if user.role == Role.LEARNER:
        context["assignments"] = directory.assignments_of_learner(user)
        context["enrolments"] = enrolments_of(user.id)
        context.update(enrol_form_context(request.args.get("framework")))
    elif user.role == Role.REFERENT:
        context["assignments"] = directory.assignments_of_referent(user)
        context["links"] = referent_links.links_of_referent(user)
        context["now"] = utcnow()
    return render_template("admin/user.html", **context), status


@bp.get("/users/<id:user_id>")
def user(user_id: int):
    """Show one account: its details, cohorts and referents."""
    return _render_user(_user_or_404(user_id))


@bp.post("/users/<id:user_id>")
def update_user(user_id: int):
    """Save an account's details."""
    user = _user_or_404(user_id)
    form = UserForm()
    if form.validate_on_submit():
        try:
            with attempt():
                accounts.update_user(user, email=form.email.data, name=form.name.data,
                                     role=form.role.data, locale=form.locale.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Compte enregistré."), "success")
            if user.pending_email:
                flash(_("La nouvelle adresse %(email)s attend l'accord de %(name)s, depuis son "
                        "compte ; son adresse actuelle en a été prévenue.",
                        email=user.pending_email, name=user.name), "info")
            return redirect(url_for("admin.user", user_id=user.id))
    return _render_user(user, form=form, status=422)


@bp.post("/users/<id:user_id>/deactivate")
def deactivate_user(user_id: int):
    """Stop an account from logging in."""
    user = _user_or_404(user_id)
    if asked := confirmation(url_for("admin.user", user_id=user.id)):
        return asked
    if user.id == current_user.id:
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "error")
    else:
        accounts.deactivate_user(user)
        flash(_("Compte de %(name)s désactivé.", name=user.name), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<id:user_id>/reactivate")
def reactivate_user(user_id: int):
    """Let an account log in again."""
    user = _user_or_404(user_id)
    accounts.reactivate_user(user)
    flash(_("Compte de %(name)s réactivé.", name=user.name), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<id:user_id>/invite")
def invite_user(user_id: int):
    """Send the account a new link to choose its password."""
    user = _user_or_404(user_id)
    if user.active:
        try:
            accounts.send_invitation(user)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(_("Invitation envoyée à %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<id:user_id>/assignments")
def assign(user_id: int):
    """Assign a referent to this learner."""
    learner = _user_or_404(user_id)
    form = AssignForm()
    if form.validate_on_submit():
        referent = db.session.get(User, form.referent.data)
        try:
            if referent is None:
                raise ServiceError(_("Tuteur·rice introuvable."), field="referent")
            directory.assign_referent(learner, referent, form.kind.data)
        except ServiceError as error:
            apply_service_error(form, error, default_field="referent")
        else:
            flash(_("%(referent)s suit désormais %(learner)s.", referent=referent.name,
                    learner=learner.name), "success")
            return redirect(url_for("admin.user", user_id=learner.id))
    return _render_user(learner, assign_form=form, status=422)


@bp.post("/users/<id:user_id>/company-tutor")
def company_tutor(user_id: int):
    """Name this learner's maître d'apprentissage (an account-less one if the address is new)."""
    learner = _user_or_404(user_id)
    form = CompanyTutorForm()
    if form.validate_on_submit():
        try:
            with attempt():
                assignment = referent_links.assign_by_email(
                    learner, form.email.data, "entreprise", form.name.data, form.company.data)
        except ServiceError as error:
            apply_service_error(form, error, default_field="email")
        else:
            flash(_("%(referent)s suit désormais %(learner)s en entreprise.",
                    referent=assignment.referent.name, learner=learner.name), "success")
            return redirect(url_for("admin.user", user_id=learner.id))
    return _render_user(learner, company_form=form, status=422)


@bp.post("/referent-links/<id:link_id>/revoke")
def revoke_link(link_id: int):
    """Stop a link at once (the person can still ask for a new one while a request waits)."""
    with attempt():
        link = referent_links.revoke(current_user, link_id)
    flash(_("Lien révoqué."), "success")
    return redirect(url_for("admin.user", user_id=link.referent_id))


@bp.post("/assignments/<id:assignment_id>/delete")
def unassign(assignment_id: int):
    """Remove a referent from a learner."""
    assignment = db.get_or_404(Assignment, assignment_id)
    learner_id = assignment.learner_id
    if asked := confirmation(url_for("admin.user", user_id=learner_id)):
        return asked
    directory.unassign_referent(assignment)
    flash(_("Affectation retirée."), "success")
    return redirect(url_for("admin.user", user_id=learner_id))


@bp.route("/users/import", methods=["GET", "POST"])
def import_users():
    """Create accounts from a CSV file and report line by line."""
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        try:
            with attempt():
                report = import_users_csv(form.file.data.read())
        except ServiceError as error:
            apply_service_error(form, error, default_field="file")
        else:
            for user in report.users:
                accounts.send_invitation(user)
    status = 422 if form.is_submitted() and report is None else 200
    return render_template("admin/import.html", form=form, report=report), status


# Cohorts ---------------------------------------------------------------------------------

@bp.route("/cohorts", methods=["GET", "POST"])
def cohorts():
    """List the cohorts and create one."""
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = directory.create_cohort(form.name.data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Promotion « %(name)s » créée.", name=cohort.name), "success")
            return redirect(url_for("admin.cohort", cohort_id=cohort.id))
    rows = db.session.execute(
        select(Cohort, func.count(User.id)).outerjoin(Cohort.members)
        .group_by(Cohort.id).order_by(Cohort.name)).all()
    status = 422 if form.is_submitted() else 200
    return render_template("admin/cohorts.html", form=form, cohorts=rows), status


@bp.get("/cohorts/<id:cohort_id>")
def cohort(cohort_id: int):
    """Show a cohort's members."""
    return render_cohort(db.get_or_404(Cohort, cohort_id))


@bp.post("/cohorts/<id:cohort_id>/members")
def add_member(cohort_id: int):
    """Add a learner to the cohort by email."""
    cohort = db.get_or_404(Cohort, cohort_id)
    form = MemberForm()
    if form.validate_on_submit():
        user = accounts.find_user_by_email(form.email.data)
        try:
            if user is None:
                raise ServiceError(_("Aucun compte avec cette adresse."), field="email")
            directory.add_to_cohort(cohort, user)
        except ServiceError as error:
            apply_service_error(form, error, default_field="email")
        else:
            flash(_("%(name)s ajouté·e à la promotion.", name=user.name), "success")
            return redirect(url_for("admin.cohort", cohort_id=cohort.id))
    return render_cohort(cohort, form=form, status=422)


@bp.post("/cohorts/<id:cohort_id>/members/<id:user_id>/remove")
def remove_member(cohort_id: int, user_id: int):
    """Take a learner out of the cohort."""
    cohort = db.get_or_404(Cohort, cohort_id)
    user = _user_or_404(user_id)
    if user not in cohort.members:
        abort(404)
    if asked := confirmation(url_for("admin.cohort", cohort_id=cohort.id)):
        return asked
    directory.remove_from_cohort(cohort, user)
    flash(_("%(name)s retiré·e de la promotion.", name=user.name), "success")
    return redirect(url_for("admin.cohort", cohort_id=cohort.id))
