"""Evidence sufficiency, criterion by criterion: for each compétence of a learner's blocks and
each of its criteria, the entries that address it, the levels and who gave them, the fiches de
suivi and visits that mention it; and the gaps a learner and their tutors look for first.

Gaps, per compétence (and per criterion for the first):
- `no_evidence`: no entry shows it (a criterion: no entry's tag names it);
- `no_referent_level`: entries show it, no tutor has given a level;
- `self_above`: the learner's own level is a level or more above every tutor's latest.

Built in a fixed number of queries whatever the amount of data (tests/test_evidence.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from portfolio.db import db
from portfolio.models import (
    Assessment,
    Criterion,
    Entry,
    EntryTag,
    PeriodReview,
    Source,
    User,
    entry_tag_criteria,
)
from portfolio.permissions import REFERENT_VISIBLE
from portfolio.services.progress import GAP, progress_of, progress_of_many

GAP_KINDS = ("no_evidence", "no_referent_level", "self_above")


def competency_gaps(evidenced: bool, tutor_levelled: bool, self_above: bool) -> list[str]:
    """The gaps of one compétence, in GAP_KINDS's order: the one rule of the evidence page,
    the tutor's cohort view and the jury export's table."""
    found = []
    if not evidenced:
        found.append("no_evidence")
    elif not tutor_levelled:
        found.append("no_referent_level")
    if self_above:
        found.append("self_above")
    return found


@dataclass
class Level:
    level: int
    by: str
    kind: str | None  # academique, entreprise (a tutor's), None (the learner's)
    on: date


@dataclass
class CriterionEvidence:
    criterion: Criterion
    entries: list[Entry] = field(default_factory=list)


@dataclass
class CompetencyEvidence:
    competency: object
    entries: list[Entry] = field(default_factory=list)
    criteria: list[CriterionEvidence] = field(default_factory=list)
    own: Level | None = None
    tutors: list[Level] = field(default_factory=list)  # the latest of each tutor
    reviews: list[PeriodReview] = field(default_factory=list)
    visits: list[int] = field(default_factory=list)  # visit report ids with a level on it

    @property
    def gaps(self) -> list[str]:
        return competency_gaps(bool(self.entries), bool(self.tutors), (
            self.own is not None and bool(self.tutors)
            and all(self.own.level - t.level >= GAP for t in self.tutors)))

    @property
    def criteria_without_evidence(self) -> list[CriterionEvidence]:
        return [c for c in self.criteria if not c.entries]


@dataclass
class BlockEvidence:
    block: object
    competencies: list[CompetencyEvidence]

    def with_gaps(self) -> list[CompetencyEvidence]:
        """The gaps view: compétences with a gap of their own first, then those whose only gap
        is a criterion without evidence."""
        return [c for c in self.competencies if c.gaps] + [
            c for c in self.competencies if not c.gaps and c.criteria_without_evidence]


@dataclass
class FrameworkEvidence:
    framework: object
    blocks: list[BlockEvidence]

    def rows(self):
        return [c for b in self.blocks for c in b.competencies]

    def gap_count(self) -> int:
        """Compétences with a gap of their own (the count the tutor's cohort view shows)."""
        return sum(bool(c.gaps) for c in self.rows())

    def criteria_gap_count(self) -> int:
        return sum(len(c.criteria_without_evidence) for c in self.rows())


def evidence_of(learner: User, *, referent_view: bool) -> list[FrameworkEvidence]:
    """Each enrolment's compétences with their evidence, levels, fiches and visits.

    `referent_view` counts only the entries the learner's tutors may read."""
    progresses = progress_of(learner.id, referent_view=referent_view, with_criteria=True)
    competency_ids = [c.competency.id for p in progresses for b in p.blocks
                      for c in b.competencies]
    if not competency_ids:
        return []
    tag_query = (select(EntryTag.id, EntryTag.competency_id, Entry)
                 .join(Entry, Entry.id == EntryTag.entry_id)
                 .where(Entry.learner_id == learner.id,
                        EntryTag.competency_id.in_(competency_ids))
                 .order_by(Entry.occurred_on.desc(), Entry.id.desc()))
    if referent_view:
        tag_query = tag_query.where(Entry.visibility.in_(REFERENT_VISIBLE))
    by_competency: dict[int, list[Entry]] = {}
    by_tag: dict[int, Entry] = {}
    for tag_id, competency_id, entry in db.session.execute(tag_query):
        by_competency.setdefault(competency_id, []).append(entry)
        by_tag[tag_id] = entry
    by_criterion: dict[int, list[Entry]] = {}
    if by_tag:
        for tag_id, criterion_id in db.session.execute(
                select(entry_tag_criteria.c.tag_id, entry_tag_criteria.c.criterion_id)
                .where(entry_tag_criteria.c.tag_id.in_(list(by_tag)))):
            by_criterion.setdefault(criterion_id, []).append(by_tag[tag_id])
    # the latest level of the learner, and of each tutor, per compétence
    latest_by_assessor = (
        select(func.max(Assessment.id)).where(Assessment.learner_id == learner.id)
        .group_by(Assessment.competency_id, Assessment.source, Assessment.assessor_id))
    own: dict[int, Level] = {}
    tutors: dict[int, list[Level]] = {}
    visits: dict[int, list[int]] = {}
    for row, name in db.session.execute(
            select(Assessment, User.name).outerjoin(User, User.id == Assessment.assessor_id)
            .where(Assessment.id.in_(latest_by_assessor))
            .order_by(Assessment.created_at)):
        level = Level(row.level, name or "—", row.referent_kind, row.created_at.date())
        if row.source == Source.SELF.value:
            own[row.competency_id] = level
        else:
            tutors.setdefault(row.competency_id, []).append(level)
    for competency_id, visit_id in db.session.execute(
            select(Assessment.competency_id, Assessment.visit_id).where(
                Assessment.learner_id == learner.id, Assessment.visit_id.is_not(None))):
        visits.setdefault(competency_id, []).append(visit_id)
    reviews: dict[int, list[PeriodReview]] = {}
    review_query = select(PeriodReview).where(PeriodReview.learner_id == learner.id)
    if referent_view:
        review_query = review_query.where(PeriodReview.state != "self")
    for review in db.session.scalars(review_query.order_by(PeriodReview.created_at)):
        for competency_id in review.competency_ids or []:
            reviews.setdefault(competency_id, []).append(review)
    result = []
    for progress in progresses:
        blocks = []
        for block in progress.blocks:
            rows = []
            for item in block.competencies:
                cid = item.competency.id
                rows.append(CompetencyEvidence(
                    item.competency, by_competency.get(cid, []),
                    [CriterionEvidence(k, by_criterion.get(k.id, []))
                     for k in item.competency.criteria],
                    own.get(cid), tutors.get(cid, []), reviews.get(cid, []),
                    sorted(set(visits.get(cid, [])))))
            blocks.append(BlockEvidence(block.block, rows))
        result.append(FrameworkEvidence(progress.framework, blocks))
    return result


def gap_counts(learner_ids: list[int]) -> dict[int, int]:
    """How many compétences of each learner have a gap (as their tutors see them): without
    evidence, evidenced but never assessed by a tutor, or self-assessed above the tutors."""
    counts = {}
    progresses = progress_of_many(learner_ids, referent_view=True)
    for learner_id, items in progresses.items():
        counts[learner_id] = sum(
            bool(competency_gaps(c.evidence > 0, c.referent_level is not None, c.gap))
            for p in items for b in p.blocks for c in b.competencies)
    return counts
