"""Référentiels from RNCP fiches: upload France Compétences' XML, review the split compétences
(as the framework file, editable), then save."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portfolio.auth import require_role
from portfolio.models import Role
from portfolio.services import framework_format as fmt
from portfolio.services import frameworks as service
from portfolio.services.framework_format import FrameworkInvalid
from portfolio.services.rncp import RncpRefused, read_fiches
from portfolio.unit_of_work import attempt

bp = Blueprint("admin_rncp", __name__, url_prefix="/admin/frameworks/rncp")
bp.before_request(require_role(Role.ADMIN))


class RncpForm(FlaskForm):
    file = FileField(_l("Fichier XML de France Compétences (flux V4.1)"),
                     validators=[FileRequired()], render_kw={"accept": ".xml,text/xml"})
    fiche = StringField(_l("Numéro de fiche (facultatif, par exemple RNCP35419)"),
                        validators=[Optional(), Length(max=20)])


class ReviewForm(FlaskForm):
    content = TextAreaField(_l("Le référentiel, à corriger si besoin (YAML)"),
                            validators=[InputRequired(), Length(max=fmt.MAX_FILE_BYTES)],
                            render_kw={"rows": 20, "spellcheck": "false", "class": "code-text"})
    force = BooleanField(_l("Archiver les compétences disparues auxquelles des preuves se "
                            "rapportent (au lieu de refuser l'import)"))


def _review_form(framework: dict, index: int) -> ReviewForm:
    form = ReviewForm(formdata=None)
    form.content.data = fmt.dump(framework, "yaml")
    form.content.id, form.force.id = f"content-{index}", f"force-{index}"  # one page, many
    return form


@bp.get("")
def upload():
    """The upload form."""
    return render_template("admin/rncp.html", form=RncpForm())


@bp.post("")
def review():
    """Read the fiches (nothing saved yet) and show each one's blocs and compétences."""
    form = RncpForm()
    if not form.validate_on_submit():
        return render_template("admin/rncp.html", form=form), 422
    try:
        results = read_fiches(form.file.data.stream, form.fiche.data or None)
    except RncpRefused as refused:
        return render_template("admin/rncp.html", form=form, error=refused.message), 422
    return render_template("admin/rncp.html", form=form, results=results, reviews={
        r.number: _review_form(r.framework, i) for i, r in enumerate(results) if r.framework})


@bp.post("/save")
def save():
    """Save one reviewed référentiel (the usual import: checked, versioned, all or nothing)."""
    form = ReviewForm()
    if not form.validate_on_submit():
        return render_template("admin/rncp_save.html", form=form), 422
    try:
        with attempt():
            report = service.import_file(form.content.data.encode("utf-8"), "fiche.yaml",
                                         force=form.force.data)
    except FrameworkInvalid as error:
        return render_template("admin/rncp_save.html", form=form, errors=error.errors), 422
    return render_template("admin/rncp_save.html", form=None, report=report,
                           code=request.form.get("code", ""))
