"""The visit report: the tuteur académique's account of a visit to the company (date, people
met, missions observed, points agreed, levels if any), acknowledged or annotated once by the
learner and by each maître d'apprentissage (by a link under /r/ if they have no account)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portfolio.db import db, utcnow
from portfolio.models import Assessment, Assignment, Competency, User, VisitNote, VisitReport
from portfolio.permissions import referent_kind_of
from portfolio.services import NotFound, ServiceError, assessments
from portfolio.services.notifications import notify
from portfolio.services.period_reviews import _text, referents_of_kind

VISIT_KIND = "visit_report"


def visits_of_learner(learner_id: int) -> list[VisitReport]:
    return list(db.session.scalars(
        select(VisitReport).where(VisitReport.learner_id == learner_id)
        .options(selectinload(VisitReport.notes).selectinload(VisitNote.author),
                 selectinload(VisitReport.author))
        .order_by(VisitReport.visited_on.desc(), VisitReport.id.desc())))


def visits_for_referent(referent: User) -> list[VisitReport]:
    """The visit reports about the referent's learners, newest first."""
    return list(db.session.scalars(
        select(VisitReport).join(Assignment, Assignment.learner_id == VisitReport.learner_id)
        .where(Assignment.referent_id == referent.id)
        .options(selectinload(VisitReport.learner), selectinload(VisitReport.notes))
        .order_by(VisitReport.visited_on.desc(), VisitReport.id.desc()).limit(200)))


def learners_to_visit(referent: User) -> list[User]:
    """The learners this person follows as tuteur académique."""
    return list(db.session.scalars(
        select(User).join(Assignment, Assignment.learner_id == User.id)
        .where(Assignment.referent_id == referent.id, Assignment.kind == "academique")
        .order_by(User.name)))


def write(author: User, learner: User, visited_on: date | None, *, people_met: str | None,
          missions: str | None, agreed: str | None, levels: dict[int, int] | None = None,
          today: date | None = None) -> VisitReport:
    """The tuteur académique's report; the learner and the maître d'apprentissage are told."""
    if referent_kind_of(author, learner.id) != "academique":
        raise NotFound(_("Seul·e le tuteur académique écrit le compte rendu de visite."))
    today = today or utcnow().date()
    if visited_on is None:
        raise ServiceError(_("Date de la visite : jj/mm/aaaa."), field="visited_on")
    if visited_on > today:
        raise ServiceError(_("La visite n'a pas encore eu lieu : datez-la du jour où elle "
                             "a eu lieu."), field="visited_on")
    visit = VisitReport(learner_id=learner.id, author_id=author.id, visited_on=visited_on,
                        people_met=_text(people_met, "people_met", required=True),
                        missions=_text(missions, "missions", required=True),
                        agreed=_text(agreed, "agreed", required=True), created_at=utcnow())
    db.session.add(visit)
    db.session.flush()
    label = _("Visite en entreprise du %(date)s", date=visited_on.strftime("%d/%m/%Y"))
    for cid, level in (levels or {}).items():
        competency = db.session.get(Competency, cid)
        if competency is None:
            raise ServiceError(_("Compétence inconnue."), field="levels")
        assessments.assess_as_referent(author, learner, competency, level, label,
                                       visit_id=visit.id)
    notify(learner, "visit", actor=author, visit=visit)
    for person in referents_of_kind(learner.id, "entreprise"):
        ask_company(visit, person)
    return visit


def ask_company(visit: VisitReport, person: User) -> None:
    from portfolio.services import referent_links

    if person.link_only:
        referent_links.send_visit_link(visit, person)
    else:
        notify(person, "visit", actor=visit.author, visit=visit)


def may_annotate(viewer: User, visit: VisitReport) -> bool:
    if any(note.author_id == viewer.id for note in visit.notes):
        return False
    return viewer.id == visit.learner_id or \
        referent_kind_of(viewer, visit.learner_id) == "entreprise"


def annotate(viewer: User, visit: VisitReport, body: str | None) -> VisitNote:
    """Acknowledge the report, with an optional note; once per person."""
    if viewer.id == visit.learner_id:
        role = "learner"
    elif referent_kind_of(viewer, visit.learner_id) == "entreprise":
        role = "entreprise"
    else:
        raise NotFound(_("Compte rendu inconnu."))
    if not may_annotate(viewer, visit):
        raise ServiceError(_("Vous avez déjà pris connaissance de ce compte rendu."),
                           field="state")
    note = VisitNote(visit_id=visit.id, author_id=viewer.id, role=role,
                     body=_text(body, "body"), created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    db.session.refresh(visit, ["notes"])
    return note


def levels_given(visit: VisitReport) -> list[Assessment]:
    return list(db.session.scalars(select(Assessment).where(Assessment.visit_id == visit.id)
                                   .options(selectinload(Assessment.competency))
                                   .order_by(Assessment.id)))


def get_visit(visit_id: int) -> VisitReport:
    visit = db.session.get(VisitReport, visit_id)
    if visit is None:
        raise NotFound(_("Compte rendu inconnu."))
    return visit
