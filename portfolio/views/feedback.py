"""The feedback loop on the web: requests, the referent's inbox, comments, notifications."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portfolio import vocabulary
from portfolio.db import db, utcnow
from portfolio.extensions import htmx
from portfolio.forms import confirmation
from portfolio.models import Comment, FeedbackRequest, Notification, RequestState, Role
from portfolio.pagecache import cached
from portfolio.permissions import (
    can_read_entry,
    get_entry_or_404,
    get_request_or_404,
    request_shows_entry_now,
)
from portfolio.presenters import (
    answer_levels,
    entry_feedback_context,
    render_entry,
    render_request,
)
from portfolio.services import ServiceError, notifications, referent_links
from portfolio.services import feedback as service
from portfolio.text import parse_int
from portfolio.unit_of_work import attempt

bp = Blueprint("feedback", __name__)

# Requests ---------------------------------------------------------------------------------------

@bp.post("/entries/<id:entry_id>/feedback-requests")
@login_required
def ask(entry_id: int):
    """Ask one of my referents about this entry (raising its visibility if I say so)."""
    entry = get_entry_or_404(entry_id, current_user, edit=True)
    try:
        with attempt():
            item = service.request_feedback(
                current_user, entry, parse_int(request.form.get("referent")),
                request.form.get("message"),
                raise_visibility=bool(request.form.get("raise_visibility")))
    except ServiceError as error:
        return render_entry(entry, status=422, request_form=request.form, request_error=error)
    flash(_("Demande envoyée à %(name)s.", name=item.referent.name), "success")
    return redirect(url_for("entries.show", entry_id=entry.id) + "#feedback")


@bp.get("/feedback")
@login_required
@cached
def index():
    """The referent's inbox (oldest first), or the learner's requests by referent."""
    if current_user.role == Role.REFERENT:
        state = request.args.get("state", "requested")
        if state not in (*vocabulary.REQUEST_STATES, "all"):
            state = "requested"
        learner_id = parse_int(request.args.get("learner"))
        from portfolio.services.directory import assignments_of_referent

        items = service.inbox(current_user, learner_id=learner_id, state=state)
        return render_template(
            "feedback/inbox.html", items=items,
            hidden={i.id for i in items if not request_shows_entry_now(current_user, i)},
            state=state, learner_id=learner_id, now=utcnow(),
            state_labels=vocabulary.REQUEST_STATES,
            assignments=assignments_of_referent(current_user))
    if current_user.role == Role.LEARNER:
        return render_template("feedback/mine.html",
                               groups=service.requests_of_learner(current_user),
                               state_labels=vocabulary.REQUEST_STATES)
    abort(404)


@bp.get("/feedback/<id:request_id>")
@login_required
def show(request_id: int):
    """A request: the entry as asked, the changes since, the message, the answer (form)."""
    item = get_request_or_404(request_id, current_user)
    return render_request(item, current_user)


@bp.post("/feedback/<id:request_id>/answer")
@login_required
def answer(request_id: int):
    """The referent answers, and may set levels for the entry's compétences at once."""
    item = get_request_or_404(request_id, current_user)
    try:
        levels = answer_levels(item, request.form)
        with attempt():
            service.answer(current_user, item, request.form.get("body"), levels)
    except ServiceError as error:
        return render_request(item, current_user, error=error, status=422)
    flash(_("Réponse envoyée à %(name)s.", name=item.learner.name), "success")
    return redirect(url_for("feedback.index"))


@bp.post("/referent-links/<id:link_id>/revoke")
@login_required
def revoke_link(link_id: int):
    """The learner stops a link sent to their maître d'apprentissage."""
    with attempt():
        link = referent_links.revoke(current_user, link_id)
        asked = db.session.get(FeedbackRequest, link.object_id)
    flash(_("Lien révoqué : il ne s'ouvre plus."), "success")
    if asked is None:  # the entry was deleted since
        return redirect(url_for("feedback.index"))
    return redirect(url_for("entries.show", entry_id=asked.entry_id) + "#feedback")


def _learner_action(request_id: int, action, message: str):
    item = get_request_or_404(request_id, current_user)
    try:
        with attempt():
            action(current_user, item)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("feedback.show", request_id=item.id))
    flash(message, "success")
    return redirect(url_for("feedback.show", request_id=item.id))


@bp.post("/feedback/<id:request_id>/withdraw")
@login_required
def withdraw(request_id: int):
    item = get_request_or_404(request_id, current_user)
    if asked := confirmation(url_for("feedback.show", request_id=item.id)):
        return asked
    return _learner_action(request_id, service.withdraw, _("Demande retirée."))


@bp.post("/feedback/<id:request_id>/close")
@login_required
def close(request_id: int):
    return _learner_action(request_id, service.close, _("Demande close. Merci !"))


# Comments ---------------------------------------------------------------------------------------

def _thread_response(entry, *, error=None, body="", status=200):
    context = entry_feedback_context(entry)
    return render_template("feedback/_thread.html", entry=entry, comment_error=error,
                           comment_body=body, **context), status


@bp.post("/entries/<id:entry_id>/comments")
@login_required
def comment(entry_id: int):
    """Write in the thread (htmx swaps the thread; without JavaScript, back to the entry)."""
    entry = get_entry_or_404(entry_id, current_user)
    body = request.form.get("body", "")
    try:
        with attempt():
            service.add_comment(current_user, entry, body)
    except ServiceError as error:
        if htmx:
            return _thread_response(entry, error=error, body=body, status=422)
        return render_entry(entry, status=422, comment_error=error, comment_body=body)
    if htmx:
        return _thread_response(entry)
    flash(_("Commentaire publié."), "success")
    return redirect(url_for("entries.show", entry_id=entry.id) + "#comments")


def _comment_or_404(comment_id: int) -> Comment:
    item = db.session.get(Comment, comment_id)
    if item is None:
        abort(404)
    get_entry_or_404(item.entry_id, current_user)
    if item.author_id != current_user.id:
        abort(404)
    return item


@bp.get("/comments/<id:comment_id>/edit")
@login_required
def edit_comment(comment_id: int):
    item = _comment_or_404(comment_id)
    if not service.can_change_comment(current_user, item):
        flash(_("Un commentaire ne se modifie plus 15 minutes après son envoi."), "error")
        return redirect(url_for("entries.show", entry_id=item.entry_id) + "#comments")
    template = "feedback/_comment_edit.html" if htmx else "feedback/comment_edit.html"
    return render_template(template, comment=item, error=None, body=item.body)


@bp.post("/comments/<id:comment_id>")
@login_required
def update_comment(comment_id: int):
    item = _comment_or_404(comment_id)
    try:
        with attempt():
            service.edit_comment(current_user, item, request.form.get("body"))
    except ServiceError as error:
        template = "feedback/_comment_edit.html" if htmx else "feedback/comment_edit.html"
        return render_template(template, comment=item, error=error,
                               body=request.form.get("body", "")), 422
    if htmx:
        return _thread_response(item.entry)
    flash(_("Commentaire modifié."), "success")
    return redirect(url_for("entries.show", entry_id=item.entry_id) + "#comments")


@bp.post("/comments/<id:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    item = _comment_or_404(comment_id)
    entry = item.entry
    if asked := confirmation(url_for("entries.show", entry_id=entry.id) + "#comments"):
        return asked
    try:
        with attempt():
            service.delete_comment(current_user, item)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(_("Commentaire supprimé."), "success")
    if htmx:
        return _thread_response(entry)
    return redirect(url_for("entries.show", entry_id=entry.id) + "#comments")


# Notifications ----------------------------------------------------------------------------------

@bp.get("/notifications")
@login_required
def notifications_index():
    items = notifications.list_for(current_user)
    return render_template("feedback/notifications.html", items=items, readable={
        n.id for n in items if n.entry and can_read_entry(current_user, n.entry)})


@bp.post("/notifications/<id:notification_id>/read")
@login_required
def read_notification(notification_id: int):
    """Mark read, then go where it points."""
    item = db.session.get(Notification, notification_id)
    if item is None or item.user_id != current_user.id:
        abort(404)
    notifications.mark_read(current_user, item.id)
    if item.request_id:
        return redirect(url_for("feedback.show", request_id=item.request_id))
    if item.review_id:
        return redirect(url_for("followup.review", review_id=item.review_id))
    if item.visit_id:
        return redirect(url_for("followup.visit", visit_id=item.visit_id))
    if item.entry_id:
        return redirect(url_for("entries.show", entry_id=item.entry_id) + "#comments")
    return redirect(url_for("feedback.notifications_index"))


@bp.post("/notifications/read-all")
@login_required
def read_all_notifications():
    notifications.mark_read(current_user)
    flash(_("Toutes les notifications sont lues."), "success")
    return redirect(url_for("feedback.notifications_index"))


def init_app(app) -> None:
    @app.context_processor
    def unread():
        def count() -> int:
            if not current_user.is_authenticated:
                return 0
            return notifications.unread_count(current_user)
        return {"unread_notifications": count, "RequestState": RequestState}
