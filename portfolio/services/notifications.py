"""Notifications: in the app always, by email unless the person turned it off."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from portfolio import mail
from portfolio.db import db, utcnow
from portfolio.models import Entry, FeedbackRequest, Notification, User
from portfolio.urls import public_url

SUBJECTS = {
    "request": _l("Demande de retour de %(actor)s"),
    "answer": _l("%(actor)s a répondu à votre demande de retour"),
    "comment": _l("Nouveau commentaire de %(actor)s"),
    "reminder": _l("Une demande de retour attend votre réponse"),
    "review_open": _l("Votre fiche de suivi de période en entreprise est à remplir"),
    "review_company": _l("Fiche de suivi de %(learner)s à remplir"),
    "review_academic": _l("Fiche de suivi de %(learner)s à lire"),
    "review_closed": _l("Votre fiche de suivi est close"),
    "visit": _l("Compte rendu de visite en entreprise de %(learner)s"),
}
FOLLOWUP_KINDS = ("review_open", "review_company", "review_academic", "review_closed", "visit")
LIST_LIMIT = 50


def notify(user: User, kind: str, *, actor: User | None = None, entry: Entry | None = None,
           request: FeedbackRequest | None = None, review=None, visit=None,
           email: bool = True) -> Notification:
    """Tell someone something happened: a row they see in the app, and a mail if they want.
    It is about an entry (and a request on it), a fiche de suivi (`review`) or a visit."""
    item = Notification(user_id=user.id, kind=kind, actor_id=actor.id if actor else None,
                        entry_id=entry.id if entry else None,
                        request_id=request.id if request else None,
                        review_id=review.id if review is not None else None,
                        visit_id=visit.id if visit is not None else None, created_at=utcnow())
    db.session.add(item)
    db.session.flush()
    # Someone without an account gets links by mail instead (services/referent_links.py).
    if email and user.email_notifications and user.active and not user.link_only:
        link = (public_url("feedback.show", request_id=request.id) if request is not None
                else public_url("entries.show", entry_id=entry.id) if entry is not None
                else public_url("followup.review", review_id=review.id) if review is not None
                else public_url("followup.visit", visit_id=visit.id) if visit is not None
                else public_url("feedback.notifications_index"))
        actor_name = actor.name if actor else ""
        subject = review or visit
        learner = subject.learner.name if subject is not None else ""
        mail.send_template(user, "mail/notification.txt", SUBJECTS[kind],
                           {"actor": actor_name, "learner": learner},
                           kind=kind, actor=actor_name, entry_title=entry.title if entry else "",
                           request=request, review=review, visit=visit, learner=learner,
                           link=link, settings=public_url("account.settings"))
    return item


def unread_count(user: User) -> int:
    """How many notifications the person has not read (once per request)."""
    cache = g.setdefault("_unread_notifications", {})
    if user.id not in cache:
        cache[user.id] = db.session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
    return cache[user.id]


def list_for(user: User) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.id.desc()).limit(LIST_LIMIT)))


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or all) of the person's notifications read; returns how many changed."""
    query = update(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(query.values(read_at=utcnow()),
                                execution_options={"concerns": (user.id,)})
    g.pop("_unread_notifications", None)
    return result.rowcount or 0
