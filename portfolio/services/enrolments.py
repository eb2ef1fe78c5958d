"""Enrolments: which learner follows which référentiel, and which of its blocks."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portfolio.db import db
from portfolio.models import Block, Cohort, Competency, Enrolment, Framework, Role, User
from portfolio.services import ServiceError
from portfolio.text import fold


def _blocks_for(framework: Framework, block_codes: list[str] | None) -> list[Block]:
    if not block_codes:
        return []
    by_code = {b.code: b for b in framework.current_blocks}
    unknown = [c for c in block_codes if c not in by_code]
    if unknown:
        raise ServiceError(_("Blocs inconnus dans « %(fw)s » : %(codes)s.", fw=framework.code,
                             codes=", ".join(unknown)), field="blocks")
    chosen = {by_code[c].id for c in block_codes}
    # The transversal sub-blocks are always part of the path: every bloc mobilises them.
    return [b for b in framework.current_blocks if b.id in chosen or b.kind == "transversal"]


def enrol(learner: User, framework: Framework, block_codes: list[str] | None = None) -> Enrolment:
    """Enrol a learner in a framework (all blocks, or the named ones plus the transversal)."""
    if learner.role != Role.LEARNER:
        raise ServiceError(_("%(name)s n'est pas apprenti·e.", name=learner.name),
                           field="learner")
    blocks = _blocks_for(framework, block_codes)
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.learner_id == learner.id, Enrolment.framework_id == framework.id))
    if enrolment is None:
        enrolment = Enrolment(learner_id=learner.id, framework=framework)
        db.session.add(enrolment)
    enrolment.blocks = blocks
    db.session.flush()
    return enrolment


def enrol_cohort(cohort: Cohort, framework: Framework, block_codes: list[str] | None = None,
                 *, replace: bool = False) -> tuple[list[Enrolment], list[User]]:
    """Enrol every learner of a cohort; those already enrolled in this référentiel keep the
    blocks chosen for them unless `replace`. Returns the enrolments made (or replaced) and the
    learners left as they were."""
    _blocks_for(framework, block_codes)  # unknown blocks refuse the whole cohort, before anyone
    already = set(db.session.scalars(select(Enrolment.learner_id).where(
        Enrolment.framework_id == framework.id)))
    done, kept = [], []
    for member in cohort.members:
        if member.role != Role.LEARNER:
            continue
        if member.id in already and not replace:
            kept.append(member)
        else:
            done.append(enrol(member, framework, block_codes))
    return done, kept


def enrolment_counts(cohort: Cohort) -> list[tuple[Framework, int]]:
    """The référentiels the cohort's members follow, with how many of them follow each."""
    ids = [m.id for m in cohort.members]
    if not ids:
        return []
    return [tuple(row) for row in db.session.execute(
        select(Framework, func.count(Enrolment.id)).join(Enrolment.framework)
        .where(Enrolment.learner_id.in_(ids)).group_by(Framework.id).order_by(Framework.code))]


def unenrol(enrolment: Enrolment) -> None:
    """End an enrolment; the learner's entries and assessments stay."""
    db.session.delete(enrolment)
    db.session.flush()


def enrolments_of(learner_id: int) -> list[Enrolment]:
    """The learner's enrolments with their frameworks fully loaded."""
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.learner_id == learner_id)
        .options(
            selectinload(Enrolment.blocks),
            selectinload(Enrolment.framework).selectinload(Framework.blocks)
            .selectinload(Block.competencies).selectinload(Competency.criteria))
        .join(Enrolment.framework).order_by(Framework.code)))


def find_enrolled_competencies(learner_id: int, query: str, limit: int = 15
                               ) -> list[Competency]:
    """The compétences of the learner's blocks whose code or title hold every word typed
    (accents and ligatures forgiven)."""

    words = fold(query[:100]).split()
    if not words:
        return []
    found = []
    for enrolment in enrolments_of(learner_id):
        for block in enrolment.block_list():
            for competency in block.current_competencies:
                if all(w in fold(f"{competency.code} {competency.title}") for w in words):
                    found.append(competency)
    return found[:limit]


def enrolled_competency_ids(learner_id: int) -> set[int]:
    """Ids of the current compétences of the learner's enrolled blocks."""
    return {c.id for e in enrolments_of(learner_id) for b in e.block_list()
            for c in b.current_competencies}
