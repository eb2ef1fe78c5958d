"""Enrolments: which learner follows which référentiel, and which of its blocks."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portfolio.db import db
from portfolio.models import Block, Cohort, Competency, Enrolment, Framework, Role, User
from portfolio.services import ServiceError


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


def enrol_cohort(cohort: Cohort, framework: Framework,
                 block_codes: list[str] | None = None) -> list[Enrolment]:
    """Enrol every learner of a cohort."""
    return [enrol(member, framework, block_codes) for member in cohort.members
            if member.role == Role.LEARNER]


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


def enrolled_competency_ids(learner_id: int) -> set[int]:
    """Ids of the current compétences of the learner's enrolled blocks."""
    return {c.id for e in enrolments_of(learner_id) for b in e.block_list()
            for c in b.current_competencies}
