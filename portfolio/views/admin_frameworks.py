"""The école's référentiels and enrolments: import, export, enrol learners and cohorts."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from portfolio.auth import require_role
from portfolio.db import db
from portfolio.forms import confirmation
from portfolio.models import Cohort, Enrolment, Role, User
from portfolio.permissions import get_framework_or_404
from portfolio.services import ServiceError
from portfolio.services import enrolments as enrolment_service
from portfolio.services import framework_format as fmt
from portfolio.services import frameworks as service
from portfolio.services.framework_format import FrameworkInvalid
from portfolio.unit_of_work import attempt

bp = Blueprint("admin_frameworks", __name__, url_prefix="/admin")
bp.before_request(require_role(Role.ADMIN))


class FrameworkImportForm(FlaskForm):
    file = FileField(_l("Fichier du référentiel (JSON, YAML ou CSV Moodle)"),
                     validators=[FileRequired()])
    force = BooleanField(_l("Archiver les compétences disparues auxquelles des preuves se "
                            "rapportent (au lieu de refuser l'import)"))


def _render(form=None, report=None, errors=None, status=200):
    return render_template("admin/frameworks.html", form=form or FrameworkImportForm(),
                           frameworks=service.list_frameworks(), report=report,
                           errors=errors or []), status


@bp.get("/frameworks")
def frameworks():
    """List the référentiels, with an import form."""
    return _render()


@bp.post("/frameworks")
def import_framework():
    """Import a référentiel file; report every problem, import nothing when any."""
    form = FrameworkImportForm()
    if not form.validate_on_submit():
        return _render(form=form, status=422)
    upload = form.file.data
    try:
        with attempt():
            report = service.import_file(upload.read(), upload.filename or "",
                                         force=form.force.data)
    except FrameworkInvalid as error:
        return _render(form=form, errors=error.errors, status=422)
    return _render(report=report)


@bp.get("/frameworks/<code>/export")
def export_framework(code: str):
    """Download a référentiel in the file format."""
    framework = get_framework_or_404(code)
    kind = request.args.get("format", "json")
    kind = kind if kind in fmt.DUMP_FORMATS else "json"
    mimetype, extension = fmt.DUMP_FORMATS[kind]
    return Response(fmt.dump(fmt.export(framework), kind), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{framework.code}.{extension}"'})


def _enrol_from_form():
    framework = service.check_exists(request.form.get("framework", ""))
    prefix = f"{framework.code}:"
    ticked = request.form.getlist("blocks")
    foreign = [v for v in ticked if not v.startswith(prefix)]
    if foreign:  # never enrol in something else than what was ticked
        raise ServiceError(_("Les blocs cochés (%(codes)s) ne sont pas dans « %(fw)s » : rien "
                             "n'a été inscrit. Choisissez d'abord le référentiel, puis ses "
                             "blocs.", codes=", ".join(foreign), fw=framework.code),
                           field="blocks")
    return framework, [v[len(prefix):] for v in ticked]


@bp.post("/users/<id:user_id>/enrolments")
def enrol_user(user_id: int):
    """Enrol a learner in a référentiel (all blocks or some)."""
    learner = db.get_or_404(User, user_id)
    try:
        with attempt():
            framework, codes = _enrol_from_form()
            enrolment_service.enrol(learner, framework, codes)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("%(name)s suit désormais « %(fw)s ».", name=learner.name, fw=framework.code),
              "success")
    return redirect(url_for("admin.user", user_id=learner.id) + "#enrolments")


@bp.post("/enrolments/<id:enrolment_id>/delete")
def unenrol(enrolment_id: int):
    """End an enrolment (entries and assessments stay)."""
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    learner_id = enrolment.learner_id
    if asked := confirmation(url_for("admin.user", user_id=learner_id) + "#enrolments"):
        return asked
    enrolment_service.unenrol(enrolment)
    flash(_("Inscription retirée."), "success")
    return redirect(url_for("admin.user", user_id=learner_id) + "#enrolments")


@bp.post("/cohorts/<id:cohort_id>/enrolments")
def enrol_cohort(cohort_id: int):
    """Enrol every learner of a cohort in a référentiel."""
    cohort = db.get_or_404(Cohort, cohort_id)
    try:
        with attempt():
            framework, codes = _enrol_from_form()
            done, kept = enrolment_service.enrol_cohort(
                cohort, framework, codes, replace=request.form.get("replace") == "1")
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(ngettext("%(num)d apprenti·e inscrit·e à « %(fw)s ».",
                       "%(num)d apprenti·es inscrit·es à « %(fw)s ».", len(done),
                       fw=framework.code), "success")
        if kept:
            flash(ngettext("%(num)d apprenti·e déjà inscrit·e garde les blocs choisis pour "
                           "elle ou lui : %(names)s.",
                           "%(num)d apprenti·es déjà inscrit·es gardent les blocs choisis pour "
                           "eux : %(names)s.", len(kept),
                           names=", ".join(m.name for m in kept)), "info")
    return redirect(url_for("admin.cohort", cohort_id=cohort.id))


