"""The learner's "Importer un portfolio": a Leap2A ZIP (Mahara's export) into private entries."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from portfolio import vocabulary
from portfolio.auth import role_required
from portfolio.models import Role
from portfolio.services.leap2a_import import ImportRefused, import_leap2a, imported_entries
from portfolio.unit_of_work import attempt

bp = Blueprint("imports", __name__)


@bp.url_value_preprocessor
def _archive_size(endpoint, _values):
    """An archive of years of work is larger than one evidence file: its limit is set before
    anything reads the body (the CSRF check does, before the view)."""
    if endpoint == "imports.import_leap2a_file":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


class Leap2AForm(FlaskForm):
    file = FileField(_l("Archive Leap2A (.zip)"), validators=[FileRequired()],
                     render_kw={"accept": ".zip,application/zip"})


def _render(form=None, report=None, error=None, status=200):
    return render_template("imports/leap2a.html", form=form or Leap2AForm(), report=report,
                           error=error, skipped_labels=vocabulary.IMPORT_SKIPPED,
                           imported=imported_entries(current_user)[:5]), status


@bp.get("/import")
@login_required
@role_required(Role.LEARNER)
def leap2a():
    """Explain, and offer the upload."""
    return _render()


@bp.post("/import")
@login_required
@role_required(Role.LEARNER)
def import_leap2a_file():
    """Import the uploaded archive; say what came in, what was skipped and why."""
    form = Leap2AForm()
    if not form.validate_on_submit():
        return _render(form=form, status=422)
    try:
        with attempt():
            report = import_leap2a(current_user, form.file.data.stream)
    except ImportRefused as refused:
        return _render(form=form, error=refused.message, status=422)
    return _render(report=report)
