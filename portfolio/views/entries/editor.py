"""Writing an entry: new, edit, save, delete; the preview, drafts and the compétence picker
(each htmx helper has a plain-form equivalent)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from portfolio.auth import role_required
from portfolio.db import db
from portfolio.forms import apply_service_error, confirmation
from portfolio.models import REFLECTION_FIELDS, Role
from portfolio.permissions import get_entry_or_404
from portfolio.services import ServiceError, drafts
from portfolio.services import attachments as attachment_service
from portfolio.services import entries as service
from portfolio.services.enrolments import (
    enrolled_competency_ids,
    find_enrolled_competencies,
)
from portfolio.text import parse_int, parse_ints
from portfolio.unit_of_work import attempt, keep_on_refusal
from portfolio.views.entries import bp
from portfolio.views.entries.forms import (
    TEMPLATES,
    EntryForm,
    _tag_rows,
    editor_action,
    entry_data,
    parse_tags,
    preview_of,
    render_editor,
)


@bp.get("/entries/new")
@login_required
@role_required(Role.LEARNER)
def new():
    """A blank editor, a template, or the draft left by an earlier visit."""
    form = EntryForm(formdata=None, occurred_on=date.today(), kind="work_placement")
    tags: list[service.TagData] = []
    draft = drafts.get_draft(current_user, None)
    template = TEMPLATES.get(request.args.get("template", ""))
    if draft is not None and not template:
        form, tags = _form_from_draft(draft.data)
    elif template and template["kind"]:
        # The prompts show beside the fields (render_editor), never as text to delete.
        form.kind.data = template["kind"]
    competency = parse_int(request.args.get("competency"))
    if competency is not None and competency in enrolled_competency_ids(current_user.id):
        tags.append(service.TagData(competency))
    return render_editor(form, tags, draft=draft, template=template)


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
@role_required(Role.LEARNER)
def create():
    """Save a new entry (or show its preview, or add a tag row, without JavaScript)."""
    form = EntryForm()
    tags = parse_tags(request.form)
    held, refused = _hold_files(form)
    action = editor_action(request.form)
    if action != "save":
        return render_editor(form, tags, held=held, file_errors=refused,
                             preview=preview_of(form.body.data))
    if not form.validate_on_submit() or refused:
        return render_editor(form, tags, held=held, file_errors=refused, status=422)
    try:
        with attempt():
            entry = service.create_entry(current_user, entry_data(form, tags))
            attachment_service.attach_held(entry, held)
    except ServiceError as error:
        apply_service_error(form, error)
        return render_editor(form, tags, held=held, status=422)
    drafts.discard_draft(current_user, None)
    flash(_("Entrée enregistrée."), "success")
    return redirect(url_for("entries.show", entry_id=entry.id))


def _hold_files(form: EntryForm) -> tuple[list, list[str]]:
    """The files this editor holds for its save: those sent before (minus any taken back) and
    those sent now, each checked on arrival; and the messages of the refused ones. A browser
    cannot keep a chosen file across a page, so nothing sent is lost to a preview, a compétence
    added or a refused form: what was written so far is committed even then."""
    items = attachment_service.held_uploads(current_user, parse_ints(request.form.getlist("held")))
    dropped = set(parse_ints(request.form.getlist("drop_held")))
    attachment_service.drop_held([item for item in items if item.id in dropped])
    items = [item for item in items if item.id not in dropped]
    refused = []
    for upload in request.files.getlist(form.files.name):
        if upload and upload.filename:
            try:
                with attempt():
                    items.append(attachment_service.hold_upload(current_user, upload.stream,
                                                                upload.filename))
            except ServiceError as error:  # say which file: the others are held
                name = attachment_service.display_name(upload.filename)
                refused.append(error.message if name in error.message else
                               _("« %(name)s » : %(message)s", name=name, message=error.message))
    if items or dropped:
        keep_on_refusal()  # only what the held files wrote is worth keeping past a refusal
    return items, refused


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
        form.keywords.data = ", ".join(entry.keywords)
        tags = [service.TagData(t.competency_id, [c.id for c in t.criteria], t.how)
                for t in entry.tags]
    return render_editor(form, tags, entry=entry, draft=draft)


@bp.post("/entries/<id:entry_id>")
@login_required
def update(entry_id: int):
    """Save a new version; a stale editor gets the conflict screen, nothing is overwritten."""
    entry = get_entry_or_404(entry_id, current_user, edit=True)
    form = EntryForm()
    tags = parse_tags(request.form)
    held, refused = _hold_files(form)
    action = editor_action(request.form)
    if action != "save":
        return render_editor(form, tags, entry=entry, held=held, file_errors=refused,
                             preview=preview_of(form.body.data))
    if not form.validate_on_submit() or refused:
        return render_editor(form, tags, entry=entry, held=held, file_errors=refused,
                             status=422)
    base = form.version.data
    base_version = parse_int(base)
    try:
        with attempt():
            service.update_entry(entry, current_user, entry_data(form, tags), base_version)
            removed = set(parse_ints(request.form.getlist("remove_attachment")))
            for attachment in list(entry.attachments):
                if attachment.id in removed:
                    attachment_service.delete_attachment(attachment)
            attachment_service.attach_held(entry, held)
    except service.StaleEdit:
        db.session.refresh(entry)
        conflict = service.diff_entry_texts(entry, {
            "title": form.title.data, "body": form.body.data,
            **{k: getattr(form, k).data for k in REFLECTION_FIELDS}})
        form.version.data = str(entry.version)
        return render_editor(form, tags, entry=entry, held=held, conflict=conflict,
                             status=409)
    except ServiceError as error:
        apply_service_error(form, error)
        return render_editor(form, tags, entry=entry, held=held, status=422)
    drafts.discard_draft(current_user, entry.id)
    flash(_("Entrée enregistrée (version %(v)d).", v=entry.version), "success")
    return redirect(url_for("entries.show", entry_id=entry.id))


@bp.post("/entries/<id:entry_id>/delete")
@login_required
def delete(entry_id: int):
    """Delete an entry, its versions and files."""
    entry = get_entry_or_404(entry_id, current_user, edit=True)
    if asked := confirmation(url_for("entries.show", entry_id=entry.id)):
        return asked
    service.delete_entry(entry)
    drafts.discard_draft(current_user, entry_id)
    flash(_("Entrée supprimée."), "success")
    return redirect(url_for("entries.index"))


@bp.post("/entries/preview")
@login_required
def preview():
    """The text as it will read, through the same render_markdown() as the page."""
    return render_template("entries/_preview.html", preview=preview_of(request.form.get("body")))


@bp.post("/entries/draft")
def autosave():
    """Keep what the editor holds; say when."""
    if not current_user.is_authenticated:
        # No redirect: the page must keep the text. The learner logs in in another tab.
        return render_template("entries/_autosave_status.html", expired=True), 401
    return _autosave()


@role_required(Role.LEARNER)
def _autosave():
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
    back = url_for("entries.edit", entry_id=entry.id) if entry else url_for("entries.new")
    if asked := confirmation(back):
        return asked
    drafts.discard_draft(current_user, entry.id if entry else None)
    flash(_("Brouillon abandonné."), "info")
    if entry:
        return redirect(url_for("entries.edit", entry_id=entry.id))
    return redirect(url_for("entries.new"))


@bp.get("/entries/picker")
@login_required
@role_required(Role.LEARNER)
def picker():
    """Compétences of the learner's blocks matching the words typed (code or title)."""
    query = request.args.get("q") or request.args.get("picker_q") or ""
    return render_template("entries/_picker_results.html",
                           results=find_enrolled_competencies(current_user.id, query))


@bp.get("/entries/tag-row")
@login_required
@role_required(Role.LEARNER)
def tag_row():
    """One tag row for the editor, added by the picker."""
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
