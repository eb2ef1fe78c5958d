"""Where a learner stands: per block, the self and referent means, the coverage, the counts.

One service feeds the radar, its table, the dashboards and the API, for one learner or many,
today or at any past date, in a fixed number of queries whatever the amount of data:
the enrolments (with their blocks and compétences), the latest assessments, the evidence counts.

- A block's self (referent) mean is the mean of the latest self (referent) levels of its
  compétences that have been assessed; None when none has. Never averaged across the sources.
- Coverage is the share of the block's compétences tagged on at least one entry.
- The gap: the self mean exceeds the referent mean by one level or more.
- At a past date: assessments made until then, entries written until then (with their tags
  as they are now).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portfolio.db import db
from portfolio.models import (
    Assessment,
    Block,
    Competency,
    Enrolment,
    Entry,
    EntryTag,
    Framework,
    Source,
)
from portfolio.permissions import REFERENT_VISIBLE
from portfolio.services.assessments import latest_ids

GAP = 1.0
_EPSILON = 1e-9


@dataclass
class CompetencyProgress:
    competency: Competency
    self_level: int | None = None
    referent_level: int | None = None
    evidence: int = 0
    # The referent level split by who gave it (only when asked: `by_kind`).
    academic_level: int | None = None
    company_level: int | None = None

    @property
    def gap(self) -> bool:
        return (self.self_level is not None and self.referent_level is not None
                and self.self_level - self.referent_level >= GAP - _EPSILON)


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class BlockProgress:
    block: Block
    competencies: list[CompetencyProgress] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.competencies)

    @property
    def self_mean(self) -> float | None:
        return _mean([c.self_level for c in self.competencies if c.self_level is not None])

    @property
    def referent_mean(self) -> float | None:
        return _mean([c.referent_level for c in self.competencies
                      if c.referent_level is not None])

    @property
    def academic_mean(self) -> float | None:
        return _mean([c.academic_level for c in self.competencies
                      if c.academic_level is not None])

    @property
    def company_mean(self) -> float | None:
        return _mean([c.company_level for c in self.competencies
                      if c.company_level is not None])

    @property
    def academic_count(self) -> int:
        return sum(c.academic_level is not None for c in self.competencies)

    @property
    def company_count(self) -> int:
        return sum(c.company_level is not None for c in self.competencies)

    @property
    def self_count(self) -> int:
        return sum(c.self_level is not None for c in self.competencies)

    @property
    def referent_count(self) -> int:
        return sum(c.referent_level is not None for c in self.competencies)

    @property
    def evidenced_count(self) -> int:
        return sum(c.evidence > 0 for c in self.competencies)

    @property
    def coverage(self) -> float:
        return self.evidenced_count / self.size if self.size else 0.0

    @property
    def gap(self) -> bool:
        s, r = self.self_mean, self.referent_mean
        return s is not None and r is not None and s - r >= GAP - _EPSILON


@dataclass
class Progress:
    learner_id: int
    framework: Framework
    at: datetime | None
    blocks: list[BlockProgress]

    @property
    def max_level(self) -> int:
        return self.framework.max_level

    @property
    def gaps(self) -> list[BlockProgress]:
        return [b for b in self.blocks if b.gap]

    @property
    def without_evidence(self) -> list[CompetencyProgress]:
        return [c for b in self.blocks for c in b.competencies if not c.evidence]

    def competency(self, competency_id: int) -> CompetencyProgress | None:
        for block in self.blocks:
            for item in block.competencies:
                if item.competency.id == competency_id:
                    return item
        return None


def end_of(day: date) -> datetime:
    """The last instant of a day (in UTC, as assessments are dated)."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def progress_of_many(learner_ids: list[int], at: datetime | None = None, *,
                     referent_view: bool = False, by_kind: bool = False,
                     with_criteria: bool = False) -> dict[int, list[Progress]]:
    """Each learner's progress in each of their enrolments, in a fixed number of queries.

    `referent_view` counts as evidence only the entries referents may read (not the private
    ones), so that a referent's numbers reveal nothing of what they cannot see. `by_kind`
    also gives the latest level of the tuteurs académiques and of the maîtres
    d'apprentissage apart (one more query). `with_criteria` loads each compétence's criteria
    with the rest (one query, rather than one per compétence on a page that shows them).
    """
    result: dict[int, list[Progress]] = {lid: [] for lid in learner_ids}
    if not learner_ids:
        return result
    competencies = (selectinload(Enrolment.framework).selectinload(Framework.blocks)
                    .selectinload(Block.competencies))
    if with_criteria:
        competencies = competencies.selectinload(Competency.criteria)
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.learner_id.in_(learner_ids))
        .join(Enrolment.framework).order_by(Framework.code)
        .options(selectinload(Enrolment.blocks), competencies)).all()
    levels: dict[tuple[int, int, str], int] = {
        (lid, cid, source): level for lid, cid, source, level in db.session.execute(
            select(Assessment.learner_id, Assessment.competency_id, Assessment.source,
                   Assessment.level).where(Assessment.id.in_(latest_ids(learner_ids, at))))}
    evidence_query = (
        select(Entry.learner_id, EntryTag.competency_id, func.count(func.distinct(Entry.id)))
        .join(Entry, Entry.id == EntryTag.entry_id)
        .where(Entry.learner_id.in_(learner_ids))
        .group_by(Entry.learner_id, EntryTag.competency_id))
    if at is not None:
        evidence_query = evidence_query.where(Entry.created_at <= at)
    if referent_view:
        evidence_query = evidence_query.where(Entry.visibility.in_(REFERENT_VISIBLE))
    evidence = {(lid, cid): n for lid, cid, n in db.session.execute(evidence_query)}
    by_kinds: dict[tuple[int, int, str | None], int] = {}
    if by_kind:
        latest_by_kind = select(func.max(Assessment.id)).where(
            Assessment.learner_id.in_(learner_ids), Assessment.source == Source.REFERENT.value)
        if at is not None:
            latest_by_kind = latest_by_kind.where(Assessment.created_at <= at)
        latest_by_kind = latest_by_kind.group_by(Assessment.learner_id,
                                                 Assessment.competency_id,
                                                 Assessment.referent_kind)
        by_kinds = {(lid, cid, kind): level for lid, cid, kind, level in db.session.execute(
            select(Assessment.learner_id, Assessment.competency_id, Assessment.referent_kind,
                   Assessment.level).where(Assessment.id.in_(latest_by_kind)))}
    for enrolment in enrolments:
        lid = enrolment.learner_id
        blocks = []
        for block in enrolment.block_list():
            blocks.append(BlockProgress(block, [
                CompetencyProgress(
                    c, levels.get((lid, c.id, Source.SELF.value)),
                    levels.get((lid, c.id, Source.REFERENT.value)), evidence.get((lid, c.id), 0),
                    by_kinds.get((lid, c.id, "academique")),
                    by_kinds.get((lid, c.id, "entreprise")))
                for c in block.current_competencies]))
        result[lid].append(Progress(lid, enrolment.framework, at, blocks))
    return result


def progress_of(learner_id: int, at: datetime | None = None, *,
                referent_view: bool = False, by_kind: bool = False,
                with_criteria: bool = False) -> list[Progress]:
    """One learner's progress in each enrolment (today, or as it stood at `at`)."""
    return progress_of_many([learner_id], at, referent_view=referent_view,
                            by_kind=by_kind, with_criteria=with_criteria)[learner_id]


# Dates to compare with -----------------------------------------------------------------------

def start_of_school_year(today: date) -> date:
    """The 1st of September that opened the current school year."""
    year = today.year if today.month >= 9 else today.year - 1
    return date(year, 9, 1)


def three_months_before(today: date) -> date:
    return today - timedelta(days=91)


def last_feedback(learner_id: int) -> date | None:
    """The day of the latest referent assessment of the learner (the last feedback given)."""
    value = db.session.scalar(select(func.max(Assessment.created_at)).where(
        Assessment.learner_id == learner_id, Assessment.source == Source.REFERENT.value))
    return value.date() if value else None
