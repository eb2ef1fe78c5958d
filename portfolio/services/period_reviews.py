"""The fiche de suivi (bilan de période entreprise), from the end of a company period to its
closing.

1. `open_due()` (`portfolio notify period-reviews`, scheduled daily): when a company period of a
   cohort has ended, each learner of the cohort gets a fiche to start (state `self`) and is
   told; a fiche still waiting is recalled every REVIEW_REMINDER_DAYS.
2. The learner writes a short self-review (missions, what they learned, the compétences
   exercised) and sends it (`company`): each maître d'apprentissage of the learner is asked,
   by a link under /r/ if they have no account, by a notification otherwise.
3. The maître d'apprentissage gives levels on the compétences exercised (referent assessments
   of kind `entreprise` that point at the fiche), comments, and attests with their name and
   the date (`academic`): the tuteur académique is told.
4. The tuteur académique reads it, adds a comment and closes it (`closed`). The learner
   chooses whether a closed fiche goes into the jury export.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portfolio.db import db, utcnow
from portfolio.models import (
    Assessment,
    Assignment,
    Competency,
    Entry,
    Period,
    PeriodReview,
    ReviewState,
    Role,
    User,
    cohort_members,
)
from portfolio.permissions import REFERENT_VISIBLE, referent_kind_of
from portfolio.services import NotFound, ServiceError, assessments
from portfolio.services.enrolments import enrolled_competency_ids
from portfolio.services.notifications import notify
from portfolio.text import clean_text

TEXT_MAX = 5_000
NAME_MAX = 120
MAX_COMPETENCIES = 40
# A company period that ended longer ago than this opens no fiche (a calendar entered late).
OPEN_WITHIN_DAYS = 60
REVIEW_KIND = "period_review"


def _text(raw: str | None, field: str, *, required: bool = False, limit: int = TEXT_MAX) -> str:
    text = clean_text(raw) or ""
    if required and not text:
        raise ServiceError(_("Ce champ est à remplir."), field=field)
    if len(text) > limit:
        raise ServiceError(_("Ce texte est trop long (%(max)d caractères au plus).", max=limit),
                           field=field)
    return text


def referents_of_kind(learner_id: int, kind: str) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Assignment, Assignment.referent_id == User.id)
        .where(Assignment.learner_id == learner_id, Assignment.kind == kind,
               User.active.is_(True)).order_by(User.name)))


# Opening and reminding --------------------------------------------------------------------


def open_due(today: date, now: datetime | None = None) -> tuple[list[PeriodReview],
                                                                  list[PeriodReview]]:
    """Open the fiches of company periods that have ended (once per learner and period), and
    recall those still waiting for the learner. Returns (opened, recalled)."""
    now = now or datetime.combine(today, utcnow().timetz())
    ended = select(Period.id, Period.cohort_id).where(
        Period.kind == "entreprise", Period.ends_on < today,
        Period.ends_on >= today - timedelta(days=OPEN_WITHIN_DAYS)).subquery()
    pairs = db.session.execute(
        select(cohort_members.c.user_id, ended.c.id)
        .join(ended, ended.c.cohort_id == cohort_members.c.cohort_id)
        .join(User, User.id == cohort_members.c.user_id)
        .where(User.role == Role.LEARNER.value, User.active.is_(True))
        .where(~select(PeriodReview.id).where(
            PeriodReview.learner_id == cohort_members.c.user_id,
            PeriodReview.period_id == ended.c.id).exists())).all()
    opened = []
    for learner_id, period_id in sorted(set(pairs)):
        review = PeriodReview(learner_id=learner_id, period_id=period_id, created_at=now,
                              reminded_at=now)
        db.session.add(review)
        db.session.flush()
        notify(review.learner, "review_open", review=review)
        opened.append(review)
    every = timedelta(days=current_app.config["REVIEW_REMINDER_DAYS"])
    recalled = list(db.session.scalars(select(PeriodReview).where(
        PeriodReview.state == ReviewState.SELF.value, PeriodReview.reminded_at <= now - every)))
    for review in recalled:
        review.reminded_at = now
        notify(review.learner, "review_open", review=review)
    db.session.flush()
    return opened, recalled


# Reading ------------------------------------------------------------------------------------


def reviews_of_learner(learner_id: int) -> list[PeriodReview]:
    return list(db.session.scalars(
        select(PeriodReview).where(PeriodReview.learner_id == learner_id)
        .join(Period, Period.id == PeriodReview.period_id)
        .options(selectinload(PeriodReview.period))
        .order_by(Period.starts_on.desc())))


def reviews_for_referent(referent: User) -> list[PeriodReview]:
    """The fiches of the referent's learners that wait for them (or are closed), newest first:
    a maître d'apprentissage sees those to fill, a tuteur académique those to close."""
    rows = db.session.execute(
        select(PeriodReview, Assignment.kind)
        .join(Assignment, Assignment.learner_id == PeriodReview.learner_id)
        .join(Period, Period.id == PeriodReview.period_id)
        .where(Assignment.referent_id == referent.id,
               PeriodReview.state != ReviewState.SELF.value)
        .options(selectinload(PeriodReview.period), selectinload(PeriodReview.learner))
        .order_by(Period.ends_on.desc(), PeriodReview.id.desc()).limit(200)).all()
    return [review for review, _kind in rows]


def waiting_on(review: PeriodReview, viewer: User) -> bool:
    """Whether the fiche waits for something from this person now."""
    if viewer.id == review.learner_id:
        return review.state == ReviewState.SELF.value
    kind = referent_kind_of(viewer, review.learner_id)
    return (review.state == ReviewState.COMPANY.value and kind == "entreprise") or \
        (review.state == ReviewState.ACADEMIC.value and kind == "academique")


def period_entries(review: PeriodReview, *, for_learner: bool) -> list[Entry]:
    """The learner's entries dated within the period (referents: those they may read)."""
    query = select(Entry).where(Entry.learner_id == review.learner_id,
                                Entry.occurred_on >= review.period.starts_on,
                                Entry.occurred_on <= review.period.ends_on)
    if not for_learner:
        query = query.where(Entry.visibility.in_(REFERENT_VISIBLE))
    return list(db.session.scalars(query.order_by(Entry.occurred_on, Entry.id).limit(100)))


def exercised(review: PeriodReview) -> list[Competency]:
    ids = [i for i in review.competency_ids or [] if isinstance(i, int)]
    if not ids:
        return []
    found = {c.id: c for c in db.session.scalars(select(Competency).where(
        Competency.id.in_(ids)).options(selectinload(Competency.framework)))}
    return [found[i] for i in ids if i in found]


def levels_given(review: PeriodReview) -> list[Assessment]:
    return list(db.session.scalars(select(Assessment).where(Assessment.review_id == review.id)
                                   .options(selectinload(Assessment.competency))
                                   .order_by(Assessment.id)))


# The learner's part -------------------------------------------------------------------------


def _check_learner(learner: User, review: PeriodReview) -> None:
    if review.learner_id != learner.id:
        raise NotFound(_("Fiche de suivi inconnue."))


def save_self(learner: User, review: PeriodReview, missions: str | None,
              learned: str | None, competency_ids: list[int], *, send: bool) -> PeriodReview:
    """Keep the learner's self-review; with `send`, hand it to the maître d'apprentissage."""
    _check_learner(learner, review)
    if review.state != ReviewState.SELF.value:
        raise ServiceError(_("Ce bilan est déjà envoyé."), field="state")
    review.missions = _text(missions, "missions", required=send)
    review.learned = _text(learned, "learned", required=send)
    wanted = list(dict.fromkeys(competency_ids))
    if len(wanted) > MAX_COMPETENCIES:
        raise ServiceError(_("Au plus %(max)d compétences.", max=MAX_COMPETENCIES),
                           field="competencies")
    if set(wanted) - enrolled_competency_ids(learner.id):
        raise ServiceError(_("Une compétence choisie ne fait pas partie de vos blocs."),
                           field="competencies")
    if send and not wanted:
        raise ServiceError(_("Cochez au moins une compétence exercée pendant la période."),
                           field="competencies")
    review.competency_ids = wanted
    if send:
        company = referents_of_kind(learner.id, "entreprise")
        if not company:
            raise ServiceError(_("Aucun maître d'apprentissage n'est nommé pour vous : "
                                 "demandez à l'école de l'ajouter, puis envoyez le bilan."),
                               field="state")
        review.state = ReviewState.COMPANY.value
        review.submitted_at = utcnow()
        db.session.flush()
        for person in company:
            ask_company(review, person)
    db.session.flush()
    return review


def ask_company(review: PeriodReview, person: User) -> None:
    """A link by mail for someone without an account; a notification for the others."""
    from portfolio.services import referent_links

    if person.link_only:
        referent_links.send_review_link(review, person)
    else:
        notify(person, "review_company", actor=review.learner, review=review)


def set_in_export(learner: User, review: PeriodReview, wanted: bool) -> None:
    _check_learner(learner, review)
    if wanted and review.state != ReviewState.CLOSED.value:
        raise ServiceError(_("Seule une fiche close peut aller dans l'export."),
                           field="in_export")
    review.in_export = wanted
    db.session.flush()


# The maître d'apprentissage's part ------------------------------------------------------------


def fill_company(referent: User, review: PeriodReview, levels: dict[int, int],
                 comments: dict[int, str], *, savoir_etre: str | None,
                 missions_next: str | None, comment: str | None, confirmed: bool,
                 name: str | None) -> list[Assessment]:
    """The maître d'apprentissage's levels, comments and dated attestation, once."""
    if referent_kind_of(referent, review.learner_id) != "entreprise":
        raise NotFound(_("Fiche de suivi inconnue."))
    if review.state != ReviewState.COMPANY.value:
        raise ServiceError(_("Cette fiche est déjà remplie : merci."), field="state")
    exercised_ids = {c.id for c in exercised(review)}
    if set(levels) - exercised_ids:
        raise ServiceError(_("Un niveau porte sur une compétence que le bilan ne cite pas."),
                           field="levels")
    review.savoir_etre = _text(savoir_etre, "savoir_etre")
    review.missions_next = _text(missions_next, "missions_next")
    review.company_comment = _text(comment, "company_comment")
    attested = _text(name, "attested_name", limit=NAME_MAX)
    if not confirmed or not attested:
        raise ServiceError(_("Cochez « Je confirme » et écrivez votre nom pour signer la "
                             "fiche."), field="attested_name")
    learner = review.learner
    label = _("Fiche de suivi, période du %(start)s au %(end)s",
              start=review.period.starts_on.strftime("%d/%m/%Y"),
              end=review.period.ends_on.strftime("%d/%m/%Y"))
    given = [assessments.assess_as_referent(
        referent, learner, db.session.get(Competency, cid), level,
        _text(comments.get(cid), f"comment-{cid}", limit=assessments.JUSTIFICATION_MAX)
        or label, review_id=review.id) for cid, level in levels.items()]
    review.attested_name, review.attested_at = attested, utcnow()
    review.company_referent_id = referent.id
    review.state = ReviewState.ACADEMIC.value
    db.session.flush()
    for person in referents_of_kind(learner.id, "academique"):
        notify(person, "review_academic", actor=referent, review=review)
    return given


# The tuteur académique's part ---------------------------------------------------------------


def close(referent: User, review: PeriodReview, comment: str | None) -> PeriodReview:
    if referent_kind_of(referent, review.learner_id) != "academique":
        raise NotFound(_("Fiche de suivi inconnue."))
    if review.state != ReviewState.ACADEMIC.value:
        raise ServiceError(_("Cette fiche n'attend pas votre commentaire."), field="state")
    review.academic_comment = _text(comment, "academic_comment", required=True)
    review.academic_referent_id = referent.id
    review.state = ReviewState.CLOSED.value
    review.closed_at = utcnow()
    db.session.flush()
    notify(review.learner, "review_closed", actor=referent, review=review)
    return review


def closed_for_export(learner_id: int) -> list[PeriodReview]:
    return [r for r in reviews_of_learner(learner_id)
            if r.state == ReviewState.CLOSED.value and r.in_export]


def get_review(review_id: int) -> PeriodReview:
    review = db.session.get(PeriodReview, review_id)
    if review is None:
        raise NotFound(_("Fiche de suivi inconnue."))
    return review
