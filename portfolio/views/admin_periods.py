"""A cohort's alternance calendar: add a period, import a CSV of them, delete one."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portfolio.admin_forms import PeriodForm, PeriodImportForm
from portfolio.auth import require_role
from portfolio.db import db
from portfolio.forms import apply_service_error, confirmation
from portfolio.models import Cohort, Role
from portfolio.presenters import render_cohort
from portfolio.services import Invalid, ServiceError
from portfolio.services import periods as service
from portfolio.unit_of_work import attempt

bp = Blueprint("admin_periods", __name__, url_prefix="/admin")
bp.before_request(require_role(Role.ADMIN))


def _back(cohort_id: int):
    return redirect(url_for("admin.cohort", cohort_id=cohort_id) + "#periods")


@bp.post("/cohorts/<id:cohort_id>/periods")
def add(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    form = PeriodForm()
    if form.validate_on_submit():
        try:
            with attempt():
                service.add_period(cohort, form.kind.data, form.starts_on.data,
                                   form.ends_on.data)
        except ServiceError as error:
            apply_service_error(form, error, default_field="starts_on")
        else:
            flash(_("Période ajoutée."), "success")
            return _back(cohort.id)
    return render_cohort(cohort, period_form=form, status=422)


@bp.post("/cohorts/<id:cohort_id>/periods/import")
def import_csv(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    form = PeriodImportForm()
    if not form.validate_on_submit():
        return render_cohort(cohort, period_errors={"file": _("Choisissez un fichier CSV.")},
                             status=422)
    try:
        with attempt():
            added = service.import_csv(cohort, form.file.data.read(1024 * 1024))
    except Invalid as refused:
        return render_cohort(cohort, period_errors=refused.errors, status=422)
    flash(ngettext("%(num)d période importée.", "%(num)d périodes importées.", len(added)),
          "success")
    return _back(cohort.id)


@bp.post("/periods/<id:period_id>/delete")
def delete(period_id: int):
    period = db.get_or_404(service.Period, period_id)
    cohort_id = period.cohort_id
    if asked := confirmation(url_for("admin.cohort", cohort_id=cohort_id)):
        return asked
    with attempt():
        service.delete_period(period_id)
    flash(_("Période supprimée."), "success")
    return _back(cohort_id)
