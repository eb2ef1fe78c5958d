"""The maître d'apprentissage without an account: links under /r/.

Such a person (`users.link_only`, role referent, no password) is named by an admin (or by
`portfolio users assign ... --name N`). Each thing asked of them comes by email as a link bound
to them and to that one object (a feedback request), with a 256-bit token stored as its SHA-256,
expiring (`REFERENT_LINK_DAYS`, 14 by default), revocable by the learner and the admin, each
opening logged (date, coarse client); expired, revoked or unknown: 404. It is answered once,
through the same service as the inbox (`feedback.answer`), so both paths write the same records.
They may ask /r/ for fresh links by email (the page never says whether the address is known),
or set a password and become a referent like the others.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portfolio import mail
from portfolio.db import db, utcnow
from portfolio.models import (
    Assignment,
    FeedbackRequest,
    ReferentLink,
    ReferentLinkAccess,
    RequestState,
    Role,
    User,
)
from portfolio.passwords import token_digest
from portfolio.services import NotFound, ServiceError, accounts
from portfolio.text import clean_name
from portfolio.urls import public_url

FEEDBACK = "feedback_request"
REVIEW = "period_review"
VISIT = "visit_report"
COMPANY_MAX = 200
SUBJECT = _l("%(learner)s vous demande un retour")
REVIEW_SUBJECT = _l("Fiche de suivi de %(learner)s à remplir")
VISIT_SUBJECT = _l("Compte rendu de visite en entreprise de %(learner)s")


def days() -> int:
    return int(current_app.config["REFERENT_LINK_DAYS"])


def create_link_person(*, email: str, name: str, company: str | None = None,
                       locale: str | None = None) -> User:
    """A maître d'apprentissage who will answer by links: a referent with no password, never
    invited (they may choose a password later from a link's page)."""
    company = clean_name(company) or None
    if company and len(company) > COMPANY_MAX:
        raise ServiceError(_("Le nom de l'entreprise est trop long (%(max)d caractères au "
                              "plus).", max=COMPANY_MAX), field="company")
    person = accounts.create_user(email=email, name=name, role=Role.REFERENT, locale=locale)
    person.link_only, person.company = True, company
    db.session.flush()
    return person


def issue(referent: User, learner_id: int, kind: str, object_id: int,
          now: datetime | None = None) -> tuple[ReferentLink, str]:
    """A fresh link to one object (the earlier ones to it stop working); its token, once."""
    now = now or utcnow()
    for old in db.session.scalars(select(ReferentLink).where(
            ReferentLink.kind == kind, ReferentLink.object_id == object_id,
            ReferentLink.referent_id == referent.id, ReferentLink.revoked_at.is_(None),
            ReferentLink.answered_at.is_(None))):
        old.revoked_at = now
    token = secrets.token_urlsafe(32)  # 256 bits
    link = ReferentLink(token_hash=token_digest(token), referent_id=referent.id,
                        learner_id=learner_id, kind=kind, object_id=object_id, created_at=now,
                        expires_at=now + timedelta(days=days()))
    db.session.add(link)
    db.session.flush()
    return link, token


def _send(person: User, learner: User, kind: str, object_id: int, subject,
          **context) -> ReferentLink:
    """A fresh link to one object, by mail, with how long it opens and where to ask again."""
    link, token = issue(person, learner.id, kind, object_id)
    mail.send_template(person, "mail/referent_link.txt", subject, {"learner": learner.name},
                       learner=learner, link=public_url("referent_links.show", token=token),
                       expires=link.expires_at, ask_again=public_url("referent_links.ask"),
                       **context)
    return link


def send_request_link(request: FeedbackRequest) -> ReferentLink:
    """Email the referent of a request a link to answer it (a reminder sends a fresh one)."""
    return _send(request.referent, request.learner, FEEDBACK, request.id, SUBJECT,
                 request=request, entry_title=request.entry.title)


def send_review_link(review, person: User) -> ReferentLink:
    """Email the maître d'apprentissage a link to fill a fiche de suivi."""
    return _send(person, review.learner, REVIEW, review.id, REVIEW_SUBJECT, review=review)


def send_visit_link(visit, person: User) -> ReferentLink:
    """Email the maître d'apprentissage a link to read and annotate a visit report."""
    return _send(person, visit.learner, VISIT, visit.id, VISIT_SUBJECT, visit=visit)


def object_of(link: ReferentLink):
    """What the link is about (a feedback request, a fiche de suivi or a visit report), if
    it is still the recipient's to see; else NotFound."""
    from portfolio.models import PeriodReview, VisitReport

    model = {FEEDBACK: FeedbackRequest, REVIEW: PeriodReview, VISIT: VisitReport}.get(link.kind)
    item = db.session.get(model, link.object_id) if model is not None else None
    if item is None or item.learner_id != link.learner_id or (
            link.kind == FEEDBACK and item.referent_id != link.referent_id):
        raise NotFound(_("Lien inconnu."))
    return item


def open_link(token: str, now: datetime | None = None) -> ReferentLink | None:
    """The link this token opens, if it still may be opened (answered links open, to say so;
    revoked or expired ones do not)."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(ReferentLink).where(
        ReferentLink.token_hash == token_digest(token)))
    now = now or utcnow()
    if link is None or link.revoked_at is not None or (
            link.answered_at is None and link.expires_at <= now):
        return None
    referent = db.session.get(User, link.referent_id)
    if referent is None or not referent.active:
        return None
    return link


def log_access(link: ReferentLink, user_agent: str | None) -> None:
    from portfolio.services.sharing import coarse_client

    db.session.add(ReferentLinkAccess(referent_link_id=link.id, created_at=utcnow(),
                                      client=coarse_client(user_agent)[:120]))
    db.session.flush()


def request_of(link: ReferentLink) -> FeedbackRequest:
    if link.kind != FEEDBACK:
        raise NotFound(_("Lien inconnu."))
    request = db.session.get(FeedbackRequest, link.object_id)
    if request is None or request.referent_id != link.referent_id:
        raise NotFound(_("Lien inconnu."))
    return request


def answer(link: ReferentLink, body: str | None, levels: dict[int, int]) -> None:
    """Answer the request through its link, once: the inbox's own service does the rest."""
    from portfolio.services import feedback

    if link.answered_at is not None:
        raise ServiceError(_("Vous avez déjà répondu : merci."), field="state")
    request = request_of(link)
    feedback.answer(link.referent, request, body, levels)
    link.answered_at = utcnow()
    db.session.flush()


def mark_answered(link: ReferentLink) -> None:
    """The fiche or the report was answered through its link: it opens only to say so."""
    link.answered_at = utcnow()
    db.session.flush()


def links_of_requests(request_ids: list[int]) -> dict[int, ReferentLink]:
    """The latest link of each of these requests (for the learner's view of them)."""
    found: dict[int, ReferentLink] = {}
    if request_ids:
        for link in db.session.scalars(select(ReferentLink).where(
                ReferentLink.kind == FEEDBACK, ReferentLink.object_id.in_(request_ids))
                .order_by(ReferentLink.id)):
            found[link.object_id] = link
    return found


def links_of_referent(referent: User) -> list[ReferentLink]:
    return list(db.session.scalars(select(ReferentLink).where(
        ReferentLink.referent_id == referent.id).order_by(ReferentLink.id.desc()).limit(50)))


def revoke(actor: User, link_id: int) -> ReferentLink:
    """The learner the link is about, or an admin, stops it at once."""
    link = db.session.get(ReferentLink, link_id)
    if link is None or not (actor.role == Role.ADMIN or actor.id == link.learner_id):
        raise NotFound(_("Lien inconnu."))
    if link.revoked_at is None and link.answered_at is None:
        link.revoked_at = utcnow()
        db.session.flush()
    return link


def send_fresh_links(email: str) -> int:
    """Fresh links to every request still waiting for this address's answer, if it is an
    account-less referent's (the caller says the same thing whatever the outcome)."""
    try:
        address = accounts.normalize_email(email)
    except ServiceError:
        return 0
    person = db.session.scalar(select(User).where(User.email == address))
    if person is None or not person.link_only or not person.active:
        return 0
    waiting = db.session.scalars(select(FeedbackRequest).where(
        FeedbackRequest.referent_id == person.id,
        FeedbackRequest.state == RequestState.REQUESTED.value)).all()
    for request in waiting:
        send_request_link(request)
    return len(waiting) + _fresh_followup_links(person)


def _fresh_followup_links(person: User) -> int:
    """Fresh links to the fiches de suivi and visit reports that wait for this person."""
    from portfolio.models import PeriodReview, ReviewState, VisitNote, VisitReport

    learners = select(Assignment.learner_id).where(Assignment.referent_id == person.id,
                                                   Assignment.kind == "entreprise")
    reviews = db.session.scalars(select(PeriodReview).where(
        PeriodReview.learner_id.in_(learners),
        PeriodReview.state == ReviewState.COMPANY.value)).all()
    for review in reviews:
        send_review_link(review, person)
    visits = db.session.scalars(select(VisitReport).where(
        VisitReport.learner_id.in_(learners),
        VisitReport.created_at >= utcnow() - timedelta(days=days() * 4),
        ~select(VisitNote.id).where(VisitNote.visit_id == VisitReport.id,
                                    VisitNote.author_id == person.id).exists())).all()
    for visit in visits:
        send_visit_link(visit, person)
    return len(reviews) + len(visits)


def assign_by_email(learner: User, email: str, kind: str, name: str | None = None,
                    company: str | None = None) -> Assignment:
    """Assign the referent with this address; for the company (`entreprise`), an unknown
    address with a name creates a maître d'apprentissage without an account."""
    from portfolio.services import directory

    person = accounts.find_user_by_email(email)
    if person is None:
        if not (name and kind == "entreprise"):
            raise ServiceError(_("Aucun compte avec l'adresse %(email)s (pour un tuteur en "
                                 "entreprise sans compte, donnez aussi son nom).",
                                 email=email[:254]), field="email")
        person = create_link_person(email=email, name=name, company=company,
                                    locale=learner.locale)
    return directory.assign_referent(learner, person, kind)
