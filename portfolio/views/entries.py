"""Writing and reading entries: timeline, editor (with preview, tags, files), history."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from wtforms import (
    DateField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from portfolio import storage, vocabulary
from portfolio.db import db
from portfolio.extensions import htmx
from portfolio.forms import apply_service_error
from portfolio.markdown import MarkdownRefused, render_markdown
from portfolio.models import REFLECTION_FIELDS, Attachment, Competency, Role
from portfolio.pagecache import cached
from portfolio.permissions import can_edit_entry, can_read_entry, get_entry_or_404
from portfolio.services import ServiceError, drafts
from portfolio.services import attachments as attachment_service
from portfolio.services import entries as service
from portfolio.services.enrolments import enrolled_competency_ids, enrolments_of
from portfolio.services.frameworks import fold
from portfolio.services.timeline import filters_from_args, list_entries
from portfolio.text import parse_int, parse_ints

bp = Blueprint("entries", __name__)

TEMPLATES = {
    "situation": {
        "label": _l("Analyse d'une situation"), "kind": "reflection",
        "prompts": {
            "situation": _l("Quel était le contexte ? Qui était là, quel était l'enjeu ?"),
            "actions": _l("Qu'ai-je fait, concrètement, et pourquoi ainsi ?"),
            "strengths": _l("Sur quelles forces me suis-je appuyé·e ?"),
            "improvements": _l("Qu'est-ce qui a moins bien marché ? Que ferais-je autrement ?"),
            "values": _l("Qu'est-ce qui m'a motivé·e ou gêné·e, et pourquoi ?"),
            "next_steps": _l("Qu'est-ce que je vais essayer la prochaine fois ?"),
        },
    },
    "period": {
        "label": _l("Bilan d'une période"), "kind": "reflection",
        "prompts": {
            "situation": _l("Quelle période (dates, missions, cours) ?"),
            "actions": _l("Mes réalisations principales :"),
            "strengths": _l("Ce que je sais faire maintenant que je ne savais pas faire :"),
            "improvements": _l("Ce qui reste difficile :"),
            "values": _l("Ce qui m'a donné envie d'avancer :"),
            "next_steps": _l("Mes objectifs pour la période suivante :"),
        },
    },
    "self_assessment": {
        "label": _l("Note d'auto-évaluation"), "kind": "reflection",
        "prompts": {
            "situation": _l("Quelle compétence j'évalue, et à partir de quelles preuves ?"),
            "actions": _l("Ce que ces preuves montrent de mon niveau :"),
            "strengths": _l("Mes points forts sur cette compétence :"),
            "improvements": _l("Mes points de progrès :"),
            "values": _l("Pourquoi cette compétence compte pour moi :"),
            "next_steps": _l("Ce que je vais faire pour progresser, et quand :"),
        },
    },
}


class EntryForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[InputRequired(), Length(max=200)])
    kind = SelectField(_l("Type"), choices=lambda: list(vocabulary.KINDS.items()))
    occurred_on = DateField(_l("Date de la situation"), validators=[Optional()],
                            format="%Y-%m-%d")
    context = StringField(_l("Contexte (entreprise, équipe, projet)"),
                          validators=[Length(max=300)])
    visibility = RadioField(_l("Qui peut la lire ?"), default="private",
                            choices=lambda: list(vocabulary.VISIBILITIES.items()))
    body = TextAreaField(_l("Texte (Markdown)"))
    situation = TextAreaField(vocabulary.REFLECTION["situation"])
    actions = TextAreaField(vocabulary.REFLECTION["actions"])
    strengths = TextAreaField(vocabulary.REFLECTION["strengths"])
    improvements = TextAreaField(vocabulary.REFLECTION["improvements"])
    values = TextAreaField(vocabulary.REFLECTION["values"])
    next_steps = TextAreaField(vocabulary.REFLECTION["next_steps"])
    version = HiddenField()
    files = MultipleFileField(_l("Ajouter des pièces jointes"))
    tags = HiddenField()  # carries the errors about tags; the rows are read by parse_tags()


# Each tag row is named after its compétence's id (tags-<id>-how...), so a row added by the picker
# can never collide with one already on the page.
_TAG_KEY = re.compile(r"^tags-([0-9]{1,10})-competency$")


def parse_tags(form) -> list[service.TagData]:
    """Read the tag rows of the editor (and the one the plain "add" select asks for)."""
    rows = []
    indexes = dict.fromkeys(m.group(1) for k in form if (m := _TAG_KEY.match(k)))
    for i in indexes:
        if form.get(f"tags-{i}-remove"):
            continue
        competency = parse_int(form.get(f"tags-{i}-competency"))
        if competency is None:
            continue
        criteria = parse_ints(form.getlist(f"tags-{i}-criteria"))
        rows.append(service.TagData(competency, criteria, form.get(f"tags-{i}-how", "")))
    added = parse_int(form.get("add_competency"))
    if form.get("action") == "add_tag" and added is not None:
        rows.append(service.TagData(added))
    return rows


def _answer(key: str, value: str | None) -> str:
    """A reflection field, or nothing when it still holds only a template's prompt."""
    value = value or ""
    prompts = {str(t["prompts"][key]).strip() for t in TEMPLATES.values()}
    return "" if value.strip() in prompts else value


def entry_data(form: EntryForm, tags: list[service.TagData]) -> service.EntryData:
    return service.EntryData(
        title=form.title.data or "", body=form.body.data or "", kind=form.kind.data or "",
        occurred_on=form.occurred_on.data, context=form.context.data or "",
        visibility=form.visibility.data or "",
        reflection={k: _answer(k, getattr(form, k).data) for k in REFLECTION_FIELDS}, tags=tags)


def _tag_rows(tags: list[service.TagData]) -> list[tuple[int, Competency, service.TagData]]:
    ids = [t.competency_id for t in tags]
    found = {c.id: c for c in db.session.scalars(select(Competency).where(Competency.id.in_(ids)))}
    return [(t.competency_id, found[t.competency_id], t) for t in tags if t.competency_id in found]


def _render_editor(form: EntryForm, tags, entry=None, *, status=200, preview=None,
                   draft=None, conflict=None, template=None):
    return render_template(
        "entries/edit.html", form=form, entry=entry, tag_rows=_tag_rows(tags),
        enrolments=enrolments_of(current_user.id), preview=preview, draft=draft,
        conflict=conflict, templates=TEMPLATES, template=template,
        reflection_labels=vocabulary.REFLECTION, reflection_fields=REFLECTION_FIELDS,
        open_reflection=bool(template) or any(getattr(form, k).data for k in REFLECTION_FIELDS),
    ), status


def _learner_only():
    if not current_user.is_authenticated:
        return None
    if current_user.role != Role.LEARNER:
        abort(404)
    return None


# Timeline --------------------------------------------------------------------------------------

@bp.get("/entries")
@login_required
@cached
def index():
    """The learner's entries (a referent's: their learners' readable ones), filtered."""
    if current_user.role not in (Role.LEARNER, Role.REFERENT):
        abort(404)
    filters = filters_from_args(request.args)
    page = list_entries(current_user, filters)
    context = dict(page=page, filters=filters, kind_labels=vocabulary.KINDS,
                   enrolments=enrolments_of(current_user.id)
                   if current_user.role == Role.LEARNER else [])
    if htmx and htmx.target == "entry-list":
        return render_template("entries/_list.html", **context)
    return render_template("entries/index.html", **context)


# Editor ----------------------------------------------------------------------------------------

@bp.get("/entries/new")
@login_required
def new():
    """A blank editor, a template, or the draft left by an earlier visit."""
    _learner_only()
    form = EntryForm(formdata=None, occurred_on=date.today(), kind="work_placement")
    tags: list[service.TagData] = []
    draft = drafts.get_draft(current_user, None)
    template = TEMPLATES.get(request.args.get("template", ""))
    if draft is not None and not template:
        form, tags = _form_from_draft(draft.data)
    elif template:
        form.kind.data = template["kind"]
        for key, prompt in template["prompts"].items():
            getattr(form, key).data = f"{prompt}\n"
    competency = parse_int(request.args.get("competency"))
    if competency is not None and competency in enrolled_competency_ids(current_user.id):
        tags.append(service.TagData(competency))
    return _render_editor(form, tags, draft=draft, template=template)


def _form_from_draft(data: dict) -> tuple[EntryForm, list[service.TagData]]:
    from werkzeug.datastructures import MultiDict

    formdata = MultiDict()
    for key, value in data.items():
        for item in (value.split("\x1f") if key.endswith("-criteria") else [value]):
            formdata.add(key, item)
    form = EntryForm(formdata=formdata)
    return form, parse_tags(formdata)


@bp.post("/entries")
@login_required
def create():
    """Save a new entry (or show its preview, or add a tag row, without JavaScript)."""
    _learner_only()
    form = EntryForm()
    tags = parse_tags(request.form)
    action = request.form.get("action", "save")
    if action != "save":
        return _render_editor(form, tags, preview=_preview_of(form.body.data))
    if not form.validate_on_submit():
        return _render_editor(form, tags, status=422)
    try:
        with db.session.begin_nested():
            entry = service.create_entry(current_user, entry_data(form, tags))
            for upload in request.files.getlist(form.files.name):
                if upload and upload.filename:
                    attachment_service.store_upload(entry, upload.stream, upload.filename)
    except ServiceError as error:
        apply_service_error(form, error)
        return _render_editor(form, tags, status=422)
    drafts.discard_draft(current_user, None)
    flash(_("Entrée enregistrée."), "success")
    return redirect(url_for("entries.show", entry_id=entry.id))


@bp.get("/entries/<id:entry_id>/edit")
@login_required
def edit(entry_id: int):
    """The editor on an existing entry (or on the draft of its edit)."""
    entry = get_entry_or_404(entry_id, current_user, edit=True)
    draft = drafts.get_draft(current_user, entry.id)
    if draft is not None:
        form, tags = _form_from_draft(draft.data)
        form.version.data = str(draft.base_version or entry.version)
    else:
        form = EntryForm(formdata=None, obj=entry, **(entry.reflection or {}))
        form.version.data = str(entry.version)
        tags = [service.TagData(t.competency_id, [c.id for c in t.criteria], t.how)
                for t in entry.tags]
    return _render_editor(form, tags, entry=entry, draft=draft)


@bp.post("/entries/<id:entry_id>")
@login_required
def update(entry_id: int):
    """Save a new version; a stale editor gets the conflict screen, nothing is overwritten."""
    entry = get_entry_or_404(entry_id, current_user, edit=True)
    form = EntryForm()
    tags = parse_tags(request.form)
    action = request.form.get("action", "save")
    if action != "save":
        return _render_editor(form, tags, entry=entry, preview=_preview_of(form.body.data))
    if not form.validate_on_submit():
        return _render_editor(form, tags, entry=entry, status=422)
    base = form.version.data
    base_version = parse_int(base)
    try:
        with db.session.begin_nested():
            service.update_entry(entry, current_user, entry_data(form, tags), base_version)
            removed = set(parse_ints(request.form.getlist("remove_attachment")))
            for attachment in list(entry.attachments):
                if attachment.id in removed:
                    attachment_service.delete_attachment(attachment)
            for upload in request.files.getlist(form.files.name):
                if upload and upload.filename:
                    attachment_service.store_upload(entry, upload.stream, upload.filename)
    except service.StaleEdit:
        db.session.refresh(entry)
        conflict = service.diff_entry_texts(entry, {
            "title": form.title.data, "body": form.body.data,
            **{k: getattr(form, k).data for k in REFLECTION_FIELDS}})
        form.version.data = str(entry.version)
        return _render_editor(form, tags, entry=entry, conflict=conflict, status=409)
    except ServiceError as error:
        apply_service_error(form, error)
        return _render_editor(form, tags, entry=entry, status=422)
    drafts.discard_draft(current_user, entry.id)
    flash(_("Entrée enregistrée (version %(v)d).", v=entry.version), "success")
    return redirect(url_for("entries.show", entry_id=entry.id))


@bp.post("/entries/<id:entry_id>/delete")
@login_required
def delete(entry_id: int):
    """Delete an entry, its versions and files."""
    entry = get_entry_or_404(entry_id, current_user, edit=True)
    service.delete_entry(entry)
    drafts.discard_draft(current_user, entry_id)
    flash(_("Entrée supprimée."), "success")
    return redirect(url_for("entries.index"))


# Reading ---------------------------------------------------------------------------------------

@bp.get("/entries/<id:entry_id>")
@login_required
@cached
def show(entry_id: int):
    """One entry, as its reader may see it."""
    return render_entry(get_entry_or_404(entry_id, current_user))


def render_entry(entry, *, status: int = 200, request_form=None, request_error=None,
                 comment_error=None, comment_body: str = ""):
    """The entry page, with its thread and requests (and a refused form's message)."""
    from portfolio.views.feedback import entry_feedback_context

    return render_template("entries/show.html", entry=entry, kind_labels=vocabulary.KINDS,
                           visibility_labels=vocabulary.VISIBILITIES,
                           reflection_labels=vocabulary.REFLECTION,
                           reflection_fields=REFLECTION_FIELDS,
                           can_edit=can_edit_entry(current_user, entry),
                           comment_error=comment_error, comment_body=comment_body,
                           **entry_feedback_context(entry, request_form=request_form,
                                                    request_error=request_error)), status


@bp.get("/entries/<id:entry_id>/history")
@login_required
def history(entry_id: int):
    """The versions of an entry, and what changed between two of them."""
    entry = get_entry_or_404(entry_id, current_user, edit=True)
    versions = [r.version for r in entry.revisions]
    new = request.args.get("to", type=int) or entry.version
    old = request.args.get("from", type=int) or max(1, new - 1)
    old_rev, new_rev = service.revision(entry, old), service.revision(entry, new)
    if old_rev is None or new_rev is None:
        abort(404)
    return render_template("entries/history.html", entry=entry, versions=versions,
                           old=old_rev, new=new_rev,
                           diff=service.diff_revisions(old_rev, new_rev),
                           field_labels=vocabulary.ENTRY_FIELDS)


# htmx helpers (each has a plain-form equivalent) ----------------------------------------------

def _preview_of(text: str | None):
    try:
        return render_markdown(text or "")
    except MarkdownRefused as refusal:
        return refusal


@bp.post("/entries/preview")
@login_required
def preview():
    """The text as it will read, through the same render_markdown() as the page."""
    return render_template("entries/_preview.html", preview=_preview_of(request.form.get("body")))


@bp.post("/entries/draft")
def autosave():
    """Keep what the editor holds; say when."""
    if not current_user.is_authenticated:
        # No redirect: the page must keep the text. The learner logs in in another tab.
        return render_template("entries/_autosave_status.html", expired=True), 401
    _learner_only()
    entry_id = parse_int(request.form.get("entry_id"))
    entry = None
    if entry_id is not None:
        entry = get_entry_or_404(entry_id, current_user, edit=True)
    data = {k: ("\x1f".join(request.form.getlist(k)) if k.endswith("-criteria")
                else request.form.get(k, ""))
            for k in request.form if k not in ("csrf_token", "entry_id", "action")}
    try:
        draft = drafts.save_draft(current_user, entry.id if entry else None,
                                  parse_int(request.form.get("version")), data)
    except ServiceError as error:
        return render_template("entries/_autosave_status.html", error=error.message), 422
    return render_template("entries/_autosave_status.html", draft=draft)


@bp.post("/entries/draft/discard")
@login_required
def discard_draft():
    """Throw away the draft and start again from the saved entry (or a blank page)."""
    entry_id = parse_int(request.form.get("entry_id"))
    entry = None
    if entry_id is not None:
        entry = get_entry_or_404(entry_id, current_user, edit=True)
    drafts.discard_draft(current_user, entry.id if entry else None)
    flash(_("Brouillon abandonné."), "info")
    if entry:
        return redirect(url_for("entries.edit", entry_id=entry.id))
    return redirect(url_for("entries.new"))


@bp.get("/entries/picker")
@login_required
def picker():
    """Compétences of the learner's blocks matching the words typed (code or title)."""
    _learner_only()
    words = fold((request.args.get("q") or request.args.get("picker_q") or "")[:100]).split()
    results = []
    if words:
        for enrolment in enrolments_of(current_user.id):
            for block in enrolment.block_list():
                for competency in block.current_competencies:
                    haystack = fold(f"{competency.code} {competency.title}")
                    if all(w in haystack for w in words):
                        results.append(competency)
    return render_template("entries/_picker_results.html", results=results[:15])


@bp.get("/entries/tag-row")
@login_required
def tag_row():
    """One tag row for the editor, added by the picker."""
    _learner_only()
    competency = parse_int(request.args.get("competency"))
    if competency is None:
        abort(404)
    if competency not in enrolled_competency_ids(current_user.id):
        abort(404)
    ((index, found, tag),) = _tag_rows([service.TagData(competency)])
    return render_template("entries/_tag_row.html", index=index, competency=found, tag=tag)


@bp.get("/csrf-token")
def csrf_token():
    """A fresh CSRF token for a long-open page whose session changed (same origin only)."""
    return {"token": generate_csrf()}, 200, {"Cache-Control": "no-store"}


# Files -----------------------------------------------------------------------------------------

@bp.get("/attachments/<id:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """An evidence file, to whoever may read its entry; never run by the browser."""
    item = db.session.get(Attachment, attachment_id)
    if item is None or not can_read_entry(current_user, item.entry):
        abort(404)
    response = send_file(storage.path_of(item.stored_name), mimetype=item.content_type,
                         as_attachment=not item.inline, download_name=item.name,
                         conditional=True, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


