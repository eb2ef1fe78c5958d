"""Self and referent assessments: append-only, dated levels on the framework's scale."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Bundle, selectinload

from portfolio.db import db, utcnow
from portfolio.models import Assessment, Competency, Entry, EntryTag, Role, Source, User
from portfolio.permissions import is_referent_of, referent_kind_of
from portfolio.services import NotFound, ServiceError
from portfolio.services.enrolments import enrolled_competency_ids
from portfolio.services.frameworks import register_evidence_counter
from portfolio.text import clean_text

JUSTIFICATION_MAX = 2_000
MAX_ENTRIES = 10


@register_evidence_counter
def count_assessments(competency_ids: list[int]) -> dict[int, int]:
    """Assessments of each compétence (a re-import must not drop them)."""
    return dict(db.session.execute(
        select(Assessment.competency_id, func.count(Assessment.id))
        .where(Assessment.competency_id.in_(competency_ids))
        .group_by(Assessment.competency_id)).all())


def latest_ids(learner_ids: list[int], at: datetime | None = None):
    """Ids of the latest assessment per (learner, compétence, source), as of `at`.

    Rows are only ever added, with the time of adding, so the latest is the highest id.
    """
    query = select(func.max(Assessment.id)).where(Assessment.learner_id.in_(learner_ids))
    if at is not None:
        query = query.where(Assessment.created_at <= at)
    return query.group_by(Assessment.learner_id, Assessment.competency_id, Assessment.source)


def current(learner_id: int, competency_id: int, source: str) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.learner_id == learner_id,
                                 Assessment.competency_id == competency_id,
                                 Assessment.source == source)
        .order_by(Assessment.id.desc()).limit(1))


def current_levels(learner_id: int, competency_ids: list[int]
                   ) -> dict[tuple[int, str], Assessment]:
    """The learner's latest level per (compétence, source) for these compétences, one query."""
    if not competency_ids:
        return {}
    rows = db.session.scalars(select(Assessment).where(
        Assessment.id.in_(latest_ids([learner_id])),
        Assessment.competency_id.in_(competency_ids)))
    return {(a.competency_id, a.source): a for a in rows}


def given_with(request_id: int) -> list[Assessment]:
    """The levels a referent set with their answer to this request."""
    return list(db.session.scalars(select(Assessment).where(
        Assessment.request_id == request_id).order_by(Assessment.id)))


def history(learner_id: int, competency_id: int) -> list[Assessment]:
    """Every assessment of the compétence, both sources, oldest first."""
    return list(db.session.scalars(
        select(Assessment).where(Assessment.learner_id == learner_id,
                                 Assessment.competency_id == competency_id)
        .options(selectinload(Assessment.assessor))  # each tutor's name, in one query
        .order_by(Assessment.id)))


def _check_level(competency: Competency, level) -> int:
    values = [step["value"] for step in competency.framework.scale]
    if not isinstance(level, int) or level not in values:
        raise ServiceError(_("Choisissez un niveau de l'échelle (%(values)s).",
                             values=", ".join(str(v) for v in values)), field="level")
    return level


def _check_competency(learner_id: int, competency: Competency) -> None:
    if competency.archived_at is not None or \
            competency.id not in enrolled_competency_ids(learner_id):
        raise NotFound(_("Cette compétence ne fait pas partie des blocs de l'apprenti·e."),
                           field="competency")


def _check_entries(learner_id: int, entry_ids: list[int]) -> list[int]:
    wanted = sorted(set(entry_ids))
    if len(wanted) > MAX_ENTRIES:
        raise ServiceError(_("Au plus %(max)d entrées par justification.", max=MAX_ENTRIES),
                           field="entry_ids")
    if wanted:
        found = set(db.session.scalars(select(Entry.id).where(
            Entry.id.in_(wanted), Entry.learner_id == learner_id)))
        if found != set(wanted):
            raise ServiceError(_("Une entrée citée n'est pas la vôtre ou n'existe plus."),
                               field="entry_ids")
    return wanted


def _add(learner_id: int, assessor: User, source: Source, competency: Competency, level: int,
         justification: str, entry_ids: list[int], request_id: int | None = None,
         review_id: int | None = None, visit_id: int | None = None) -> Assessment:
    assessment = Assessment(learner_id=learner_id, competency_id=competency.id,
                            assessor_id=assessor.id, source=source.value, level=level,
                            justification=justification, entry_ids=entry_ids,
                            request_id=request_id, review_id=review_id, visit_id=visit_id,
                            referent_kind=referent_kind_of(assessor, learner_id)
                            if source == Source.REFERENT else None,
                            created_at=utcnow())
    db.session.add(assessment)
    db.session.flush()
    return assessment


def _clean_justification(raw: str | None) -> str:
    text = clean_text(raw) or ""
    if len(text) > JUSTIFICATION_MAX:
        raise ServiceError(_("La justification est trop longue (%(max)d caractères au plus).",
                             max=JUSTIFICATION_MAX), field="justification")
    return text


def assess_self(learner: User, competency: Competency, level, justification: str | None = "",
                entry_ids: list[int] | None = None) -> Assessment:
    """The learner's own level. Changing it needs a justification, which may cite entries."""
    if learner.role != Role.LEARNER:
        raise ServiceError(_("Seul·e l'apprenti·e s'auto-évalue."), code="forbidden")
    _check_competency(learner.id, competency)
    level = _check_level(competency, level)
    text = _clean_justification(justification)
    previous = current(learner.id, competency.id, Source.SELF)
    if (previous is None or previous.level != level) and not text:
        raise ServiceError(_("Dites en quelques mots pourquoi ce niveau (par exemple : quelle "
                             "entrée le montre)."), field="justification")
    return _add(learner.id, learner, Source.SELF, competency, level, text,
                _check_entries(learner.id, entry_ids or []))


def assess_as_referent(referent: User, learner: User, competency: Competency, level,
                       comment: str | None = "", request_id: int | None = None, *,
                       review_id: int | None = None,
                       visit_id: int | None = None) -> Assessment:
    """A referent's level for one of their learners, with an optional comment (and the
    feedback request, fiche de suivi or visit report it was given with, if any)."""
    if not is_referent_of(referent, learner.id):
        raise ServiceError(_("Vous ne suivez pas cet·te apprenti·e."), code="forbidden")
    _check_competency(learner.id, competency)
    level = _check_level(competency, level)
    return _add(learner.id, referent, Source.REFERENT, competency, level,
                _clean_justification(comment), [], request_id, review_id, visit_id)


def evidence_entries(learner_id: int, competency_ids: list[int], limit: int = MAX_ENTRIES
                     ) -> dict[int, list]:
    """The learner's most recent entries tagged with each compétence, to cite as evidence
    (one query): their id, title and date only, not whole entries (a learner's 200 entries
    with two tags each are 400 rows on the self-assessment page)."""
    result: dict[int, list] = {cid: [] for cid in competency_ids}
    if not competency_ids:
        return result
    rows = db.session.execute(
        select(EntryTag.competency_id, Bundle("entry", Entry.id, Entry.title, Entry.occurred_on))
        .join(Entry, Entry.id == EntryTag.entry_id)
        .where(Entry.learner_id == learner_id, EntryTag.competency_id.in_(competency_ids))
        .order_by(Entry.occurred_on.desc(), Entry.id.desc())).all()
    for cid, entry in rows:
        if len(result[cid]) < limit:
            result[cid].append(entry)
    return result
