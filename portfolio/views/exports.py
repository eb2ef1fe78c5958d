"""The jury export (choose, preview, download), share links and the jury's view of them."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portfolio import storage
from portfolio.auth import role_required
from portfolio.db import db
from portfolio.exports import build_model, exportable_entries
from portfolio.exports.html import write_html
from portfolio.extensions import htmx
from portfolio.forms import confirmation
from portfolio.models import Entry, Role
from portfolio.pagecache import cached
from portfolio.permissions import get_export_job_or_404, get_share_link_or_404
from portfolio.services import ServiceError, export_jobs
from portfolio.services import sharing as service
from portfolio.text import parse_int, parse_ints

bp = Blueprint("exports", __name__)


# The jury's page: the export's own inline CSS and SVG, nothing else, never indexed.
SHARE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
             "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _page(status=200, new_link=None, new_token=None, errors=None):
    learner = current_user
    selection = service.selection_of(learner)
    entries = exportable_entries(learner)
    # Each entry once, with every bloc it shows (an entry often shows several).
    blocks = {entry.id: sorted({t.competency.block.code for t in entry.tags})
              for entry in entries}
    others = db.session.query(Entry).filter(Entry.learner_id == learner.id,
                                            Entry.visibility != "jury").count()
    return render_template(
        "exports/index.html", entries=entries, blocks=blocks, selection=selection,
        others=others,
        export_jobs=export_jobs.recent_of(learner), links=service.links_of(learner),
        new_link=new_link, new_token=new_token, errors=errors or {}, today=date.today()), status


@bp.get("/export")
@login_required
@role_required(Role.LEARNER)
def index():
    """Choose what the jury reads, preview it, download it, share it."""
    return _page()


@bp.post("/export")
@login_required
@role_required(Role.LEARNER)
def save():
    chosen = set(parse_ints(request.form.getlist("entries")))
    all_ids = [e.id for e in exportable_entries(current_user)]
    service.save_selection(current_user, [i for i in all_ids if i not in chosen],
                           bool(request.form.get("include_feedback")),
                           bool(request.form.get("include_attachments")),
                           bool(request.form.get("include_evidence")))
    flash(_("Sélection enregistrée."), "success")
    return redirect(url_for("exports.index"))


@bp.get("/export/preview")
@login_required
@role_required(Role.LEARNER)
def preview():
    """The HTML export as the jury will read it."""
    response = Response(write_html(build_model(current_user,
                                               service.selection_of(current_user))))
    response.headers["Content-Security-Policy"] = SHARE_CSP
    return response


@bp.get("/export/download/<fmt>")
@login_required
@role_required(Role.LEARNER)
@cached
def download(fmt: str):
    if fmt in export_jobs.FORMATS:  # made by a worker: asked for with the form on /export
        return redirect(url_for("exports.index") + "#download-title")
    if fmt not in service.FORMATS:
        abort(404)
    mimetype, extension = service.FORMATS[fmt]
    handle = service.export_file(current_user, fmt)
    name = service.export_name(current_user, date.today(), extension)
    if fmt in service.TEXT_FORMATS:  # small: answered as bytes, which the page cache keeps
        with handle:  # (send_file closes the others' when their answer is sent)
            response = Response(handle.read(), mimetype=mimetype)
        response.headers.set("Content-Disposition", "attachment", filename=name)
    else:
        response = send_file(handle, mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/export/jobs")
@login_required
@role_required(Role.LEARNER)
def start_job():
    """Ask a worker for the PDF or the ZIP, then follow its progress on the job's page."""
    try:
        job = export_jobs.start(current_user, request.form.get("format", ""))
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("exports.index") + "#download-title")
    return redirect(url_for("exports.job", job_id=job.id), code=303)


@bp.get("/export/jobs/<id:job_id>")
@login_required
def job(job_id: int):
    """The export's progress: htmx asks again every second, a browser without JavaScript
    refreshes the page; once written, the file is offered."""
    job = get_export_job_or_404(job_id, current_user)
    template = "exports/_job.html" if htmx else "exports/job.html"
    response = Response(render_template(template, job=job))
    response.headers["Vary"] = "HX-Request"
    return response


@bp.get("/export/jobs/<id:job_id>/file")
@login_required
def job_file(job_id: int):
    job = get_export_job_or_404(job_id, current_user)
    if job.state != "done":
        abort(404)
    mimetype, extension = service.FORMATS[job.format]
    name = service.export_name(current_user, job.created_at.date(), extension)
    try:
        path = export_jobs.path_of(job)
        response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)
    except (ValueError, FileNotFoundError):
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/export/links")
@login_required
@role_required(Role.LEARNER)
def create_link():
    """A new share link; its address is shown once, on this answer only."""
    raw = request.form.get("days", "")
    days = parse_int(raw, 4) if raw else None
    days = -1 if raw and days is None else days
    try:
        link, token = service.create_link(current_user, request.form.get("label"), days)
    except ServiceError as error:
        return _page(status=422, errors={error.field or "days": error.message})
    return _page(status=201, new_link=link, new_token=token)


@bp.post("/export/links/<id:link_id>/revoke")
@login_required
@role_required(Role.LEARNER)
def revoke_link(link_id: int):
    get_share_link_or_404(link_id, current_user)
    if asked := confirmation(url_for("exports.index") + "#links"):
        return asked
    try:
        service.revoke(current_user, link_id)
    except ServiceError:
        abort(404)
    flash(_("Lien révoqué : il ne s'ouvre plus."), "success")
    return redirect(url_for("exports.index") + "#links")


# The jury's side: no account, the token is the key ---------------------------------------------

def _shared_headers(response):
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/s/<token>")
def shared(token: str):
    """The frozen export behind a valid link; anything else is a 404 that says nothing."""
    link = service.open_link(token)
    if link is None:
        abort(404)
    service.log_access(link, request.user_agent.string, "/")
    html = write_html(link.snapshot, lambda a: url_for("exports.shared_file", token=token,
                                                       attachment_id=a["id"]),
                      noindex=True)
    response = Response(html)
    response.headers["Content-Security-Policy"] = SHARE_CSP
    return _shared_headers(response)


@bp.get("/s/<token>/files/<id:attachment_id>")
def shared_file(token: str, attachment_id: int):
    link = service.open_link(token)
    item = service.snapshot_attachment(link, attachment_id) if link else None
    if item is None:
        abort(404)
    service.log_access(link, request.user_agent.string, f"/files/{attachment_id}")
    return _shared_headers(storage.send_attachment(item))
