"""Feedback requests and comments: ask a referent, answer, close; the thread under an entry."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portfolio.db import db, utcnow
from portfolio.markdown import MarkdownRefused, render_markdown
from portfolio.models import (
    Assignment,
    Comment,
    Competency,
    Entry,
    FeedbackEvent,
    FeedbackRequest,
    RequestState,
    Role,
    User,
    Visibility,
)
from portfolio.permissions import (
    REFERENT_VISIBLE,
    can_answer_request,
    can_read_entry,
    is_referent_of,
)
from portfolio.services import NotFound, ServiceError, assessments
from portfolio.services import entries as entry_service
from portfolio.services.notifications import notify
from portfolio.text import clean_text

MESSAGE_MAX = 2_000
COMMENT_MAX = 20_000
EDIT_WINDOW = timedelta(minutes=15)
OPEN = (RequestState.REQUESTED.value,)


# Requests ---------------------------------------------------------------------------------------

def _event(request: FeedbackRequest, state: RequestState, actor: User) -> None:
    now = utcnow()
    request.state = state.value
    request.updated_at = now
    request.events.append(FeedbackEvent(state=state.value, actor_id=actor.id, created_at=now))


def referents_of(learner: User) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Assignment, Assignment.referent_id == User.id)
        .where(Assignment.learner_id == learner.id, User.active.is_(True)).order_by(User.name)))


def request_feedback(learner: User, entry: Entry, referent_id: int | None, message: str | None,
                     *, raise_visibility: bool = False) -> FeedbackRequest:
    """Ask one of the learner's referents about an entry, as it stands now."""
    if learner.id != entry.learner_id or learner.role != Role.LEARNER:
        raise NotFound(_("Seul·e l'auteur·rice de l'entrée peut demander un retour."))
    referent = db.session.get(User, referent_id) if referent_id else None
    if referent is None or not referent.active or not is_referent_of(referent, learner.id):
        raise ServiceError(_("Choisissez l'un de vos tuteurs."), field="referent")
    text = clean_text(message) or ""
    if len(text) > MESSAGE_MAX:
        raise ServiceError(_("Le message est trop long (%(max)d caractères au plus).",
                             max=MESSAGE_MAX), field="message")
    if entry.visibility not in REFERENT_VISIBLE:
        if not raise_visibility:
            raise ServiceError(_("Cette entrée est privée : votre tuteur ne peut pas la lire. "
                                 "Cochez « la rendre lisible par mes tuteurs » pour la lui "
                                 "montrer."), field="raise_visibility")
        entry_service.set_visibility(entry, Visibility.REFERENTS.value)
    already = db.session.scalar(select(FeedbackRequest.id).where(
        FeedbackRequest.entry_id == entry.id, FeedbackRequest.referent_id == referent.id,
        FeedbackRequest.state.in_(OPEN)))
    if already:
        raise ServiceError(_("Vous avez déjà demandé un retour à %(name)s sur cette entrée ; "
                             "il n'a pas encore répondu.", name=referent.name), field="referent")
    request = FeedbackRequest(entry_id=entry.id, learner_id=learner.id, referent_id=referent.id,
                              message=text, entry_version=entry.version, created_at=utcnow())
    db.session.add(request)
    _event(request, RequestState.REQUESTED, learner)
    db.session.flush()
    notify(referent, "request", actor=learner, entry=entry, request=request)
    if referent.link_only:  # no account to open: the mail carries a link to this request
        from portfolio.services.referent_links import send_request_link

        send_request_link(request)
    return request


def withdraw(learner: User, request: FeedbackRequest) -> None:
    if request.learner_id != learner.id:
        raise NotFound(_("Cette demande n'est pas la vôtre."))
    if request.state != RequestState.REQUESTED.value:
        raise ServiceError(_("Seule une demande sans réponse peut être retirée."), field="state")
    _event(request, RequestState.WITHDRAWN, learner)
    db.session.flush()


def close(learner: User, request: FeedbackRequest) -> None:
    if request.learner_id != learner.id:
        raise NotFound(_("Cette demande n'est pas la vôtre."))
    if request.state != RequestState.ANSWERED.value:
        raise ServiceError(_("Seule une demande qui a reçu une réponse peut être close."),
                           field="state")
    _event(request, RequestState.CLOSED, learner)
    db.session.flush()


def answer(referent: User, request: FeedbackRequest, body: str | None,
           levels: dict[int, int] | None = None,
           comments: dict[int, str] | None = None) -> Comment:
    """The referent answers: a comment, and levels for the entry's compétences if they wish."""
    if request.referent_id != referent.id or not is_referent_of(referent, request.learner_id):
        raise NotFound(_("Cette demande ne vous est pas adressée."))
    if not can_answer_request(referent, request):
        raise ServiceError(_("Cette demande n'attend plus de réponse."), field="state")
    entry = request.entry
    tagged = {t.competency_id for t in entry.tags}
    unknown = set(levels or {}) - tagged
    if unknown:
        raise ServiceError(_("Un niveau porte sur une compétence que l'entrée ne montre pas."),
                           field="levels")
    comment = _new_comment(referent, entry, body, request=request)
    learner = request.learner
    for competency_id, level in (levels or {}).items():
        assessments.assess_as_referent(referent, learner, db.session.get(Competency,
                                                                         competency_id),
                                       level, (comments or {}).get(competency_id)
                                       or _("Retour sur « %(title)s »", title=entry.title),
                                       request_id=request.id)
    _event(request, RequestState.ANSWERED, referent)
    db.session.flush()
    notify(learner, "answer", actor=referent, entry=entry, request=request)
    return comment


def inbox(referent: User, *, learner_id: int | None = None, state: str = "requested"
          ) -> list[FeedbackRequest]:
    """The referent's requests, oldest first (open ones by default)."""
    query = (select(FeedbackRequest)
             .join(Assignment, (Assignment.learner_id == FeedbackRequest.learner_id)
                   & (Assignment.referent_id == referent.id))
             .where(FeedbackRequest.referent_id == referent.id)
             .options(selectinload(FeedbackRequest.entry), selectinload(FeedbackRequest.learner))
             .order_by(FeedbackRequest.created_at, FeedbackRequest.id))
    if learner_id:
        query = query.where(FeedbackRequest.learner_id == learner_id)
    if state and state != "all":
        query = query.where(FeedbackRequest.state == state)
    return list(db.session.scalars(query))


def requests_of_learner(learner: User) -> dict[User, list[FeedbackRequest]]:
    """The learner's requests, grouped by referent, newest first."""
    rows = db.session.scalars(
        select(FeedbackRequest).where(FeedbackRequest.learner_id == learner.id)
        .options(selectinload(FeedbackRequest.entry), selectinload(FeedbackRequest.referent))
        .order_by(FeedbackRequest.created_at.desc(), FeedbackRequest.id.desc()))
    grouped: dict[User, list[FeedbackRequest]] = defaultdict(list)
    for request in rows:
        grouped[request.referent].append(request)
    return dict(sorted(grouped.items(), key=lambda item: item[0].name))


def requests_on_entry(entry: Entry, viewer: User) -> list[FeedbackRequest]:
    query = select(FeedbackRequest).where(FeedbackRequest.entry_id == entry.id) \
        .options(selectinload(FeedbackRequest.referent)).order_by(FeedbackRequest.id.desc())
    if viewer.id != entry.learner_id:
        query = query.where(FeedbackRequest.referent_id == viewer.id)
    return list(db.session.scalars(query))


def waiting_for_learner(learner: User) -> list[FeedbackRequest]:
    """Open requests (waiting for a referent) and answers the learner has not closed."""
    return list(db.session.scalars(
        select(FeedbackRequest).where(
            FeedbackRequest.learner_id == learner.id,
            FeedbackRequest.state.in_((RequestState.REQUESTED.value,
                                       RequestState.ANSWERED.value)))
        .options(selectinload(FeedbackRequest.entry), selectinload(FeedbackRequest.referent))
        .order_by(FeedbackRequest.created_at)))


def changes_since_request(request: FeedbackRequest):
    """The entry as it was asked about, and what changed in it since (None if nothing)."""
    entry = request.entry
    then = entry_service.revision(entry, request.entry_version)
    if then is None or entry.version == request.entry_version:
        return then, None
    now = entry_service.revision(entry, entry.version)
    return then, entry_service.diff_revisions(then, now) if now else None


def send_reminders(now: datetime, days: int) -> list[FeedbackRequest]:
    """Remind referents of requests open more than `days` days, once per such period."""
    limit = now - timedelta(days=days)
    due = list(db.session.scalars(
        select(FeedbackRequest).where(
            FeedbackRequest.state == RequestState.REQUESTED.value,
            FeedbackRequest.created_at <= limit,
            or_(FeedbackRequest.reminded_at.is_(None), FeedbackRequest.reminded_at <= limit))
        .options(selectinload(FeedbackRequest.entry), selectinload(FeedbackRequest.referent),
                 selectinload(FeedbackRequest.learner))
        .order_by(FeedbackRequest.id)))
    sent = []
    for request in due:
        if not can_answer_request(request.referent, request):  # unassigned, or made private
            continue
        notify(request.referent, "reminder", actor=request.learner, entry=request.entry,
               request=request)
        if request.referent.link_only:  # a fresh link (the earlier one may have expired)
            from portfolio.services.referent_links import send_request_link

            send_request_link(request)
        request.reminded_at = now
        sent.append(request)
    db.session.flush()
    return sent


# Comments ---------------------------------------------------------------------------------------

def can_comment(viewer: User, entry: Entry) -> bool:
    """The entry's author, and the referents who may read it (PRODUCT.md)."""
    if viewer.id == entry.learner_id:
        return viewer.role == Role.LEARNER
    return viewer.role == Role.REFERENT and can_read_entry(viewer, entry)


def _render(body: str | None) -> tuple[str, str]:
    text = (clean_text(body) or "").replace("\r\n", "\n")
    if not text:
        raise ServiceError(_("Écrivez votre commentaire."), field="body")
    if len(text) > COMMENT_MAX:
        raise ServiceError(_("Le commentaire est trop long (%(max)d caractères au plus).",
                             max=COMMENT_MAX), field="body")
    try:
        return text, str(render_markdown(text))
    except MarkdownRefused as refusal:
        raise ServiceError(refusal.message, field="body") from None


def _new_comment(author: User, entry: Entry, body: str | None,
                 request: FeedbackRequest | None = None) -> Comment:
    text, html = _render(body)
    comment = Comment(entry_id=entry.id, author_id=author.id, body=text, body_html=html,
                      request_id=request.id if request else None, created_at=utcnow())
    db.session.add(comment)
    db.session.flush()
    return comment


def add_comment(author: User, entry: Entry, body: str | None) -> Comment:
    """Write in the thread under an entry; the other side learns of it."""
    if not can_comment(author, entry):
        raise NotFound(_("Vous ne pouvez pas commenter cette entrée."))
    comment = _new_comment(author, entry, body)
    if author.id != entry.learner_id:
        notify(entry.learner, "comment", actor=author, entry=entry)
    else:
        for request in db.session.scalars(select(FeedbackRequest).where(
                FeedbackRequest.entry_id == entry.id,
                FeedbackRequest.state.in_(OPEN))):
            notify(request.referent, "comment", actor=author, entry=entry)
    return comment


def comments_on(entry: Entry, viewer: User) -> list[Comment]:
    """The thread the viewer may read: a private (imported) comment is the learner's only."""
    query = select(Comment).where(Comment.entry_id == entry.id)
    if viewer.id != entry.learner_id:
        query = query.where(Comment.private.is_(False))
    return list(db.session.scalars(
        query.options(selectinload(Comment.author)).order_by(Comment.created_at, Comment.id)))


def can_change_comment(viewer: User, comment: Comment, now: datetime | None = None) -> bool:
    """Its author, within 15 minutes of writing it; after that it is kept as written."""
    now = now or utcnow()
    return comment.author_id == viewer.id and now - comment.created_at <= EDIT_WINDOW


def _check_change(viewer: User, comment: Comment) -> None:
    if comment.author_id != viewer.id:
        raise NotFound(_("Ce commentaire n'est pas le vôtre."))
    if not can_change_comment(viewer, comment):
        raise ServiceError(_("Un commentaire ne se modifie plus 15 minutes après son envoi."),
                           field="body")


def edit_comment(viewer: User, comment: Comment, body: str | None) -> None:
    _check_change(viewer, comment)
    comment.body, comment.body_html = _render(body)
    comment.edited_at = utcnow()
    db.session.flush()


def delete_comment(viewer: User, comment: Comment) -> None:
    _check_change(viewer, comment)
    if comment.request_id:
        raise ServiceError(_("La réponse à une demande de retour ne se supprime pas ; "
                             "modifiez-la."), field="body")
    db.session.delete(comment)
    db.session.flush()
