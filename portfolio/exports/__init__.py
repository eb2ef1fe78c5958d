"""The jury export: one model of the portfolio, several writers (HTML, PDF, ZIP, JSON).

`build_model()` gathers what the learner chose into plain data (the `portfolio.json` of the
ZIP, described by `portfolio.schema.json`); each writer turns that model into a file, so all
formats say the same thing. Only entries of visibility `jury` can be exported: a private (or
tutors-only) entry never reaches a jury.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portfolio.db import db, utcnow
from portfolio.models import (
    Assessment,
    Comment,
    Competency,
    Entry,
    EntryTag,
    Source,
    User,
    Visibility,
)
from portfolio.services.assessments import latest_ids
from portfolio.services.directory import assignments_of_learner
from portfolio.services.evidence import competency_gaps
from portfolio.services.period_reviews import closed_for_export
from portfolio.services.progress import progress_of

FORMAT = "portfolio-export"
FORMAT_VERSION = 1
EXPORTABLE = (Visibility.JURY.value,)


@dataclass
class Selection:
    """What goes in: the chosen entries (None: every jury entry), threads, files."""

    entry_ids: list[int] | None = None
    include_feedback: bool = True
    include_attachments: bool = True
    excluded: list[int] = field(default_factory=list)
    include_evidence: bool = False


def exportable_entries(learner: User) -> list[Entry]:
    """The learner's entries a jury may read, newest first, with what the export needs."""
    return list(db.session.scalars(
        select(Entry).where(Entry.learner_id == learner.id, Entry.visibility.in_(EXPORTABLE))
        .options(selectinload(Entry.tags).selectinload(EntryTag.competency)
                 .selectinload(Competency.block),
                 selectinload(Entry.tags).selectinload(EntryTag.criteria),
                 selectinload(Entry.attachments), selectinload(Entry.keyword_rows))
        .order_by(Entry.occurred_on.desc(), Entry.id.desc())))


def selected_entries(learner: User, selection: Selection) -> list[Entry]:
    entries = exportable_entries(learner)
    if selection.entry_ids is not None:
        wanted = set(selection.entry_ids)
        entries = [e for e in entries if e.id in wanted]
    return [e for e in entries if e.id not in set(selection.excluded)]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def attachment_path(attachment) -> str:
    """Where a file sits in the ZIP: its id keeps two files of the same name apart."""
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in attachment.name)
    return f"attachments/{attachment.id}-{safe[:120]}"


def review_data(review) -> dict:
    """A closed fiche de suivi as the jury reads it."""
    from portfolio.services.period_reviews import exercised, levels_given

    def key(competency) -> str:
        return f"{competency.framework.code}:{competency.code}"

    scale = {}
    levels = []
    for row in levels_given(review):
        scale = scale or {s["value"]: s["label"] for s in row.competency.framework.scale}
        levels.append({"key": key(row.competency), "level": row.level,
                       "label": scale.get(row.level, ""), "comment": row.justification})
    return {
        "id": review.id,
        "period": {"starts_on": review.period.starts_on.isoformat(),
                   "ends_on": review.period.ends_on.isoformat()},
        "missions": review.missions, "learned": review.learned,
        "competencies": [{"key": key(c), "title": c.title} for c in exercised(review)],
        "levels": levels, "savoir_etre": review.savoir_etre,
        "missions_next": review.missions_next, "company_comment": review.company_comment,
        "attested_by": review.attested_name, "attested_at": _iso(review.attested_at),
        "academic_comment": review.academic_comment,
        "academic_by": review.academic_referent.name if review.academic_referent else None,
        "closed_at": _iso(review.closed_at),
    }


def build_model(learner: User, selection: Selection | None = None) -> dict:
    """The export as plain data, for every writer."""
    selection = selection or Selection()
    entries = selected_entries(learner, selection)
    entry_ids = [e.id for e in entries]
    latest = {(a.competency_id, a.source): a for a in db.session.scalars(
        select(Assessment).where(Assessment.id.in_(latest_ids([learner.id])))
        .options(selectinload(Assessment.assessor)))}
    evidence: dict[int, list[int]] = {}
    by_criterion: dict[int, list[int]] = {}
    for entry in entries:
        for tag in entry.tags:
            evidence.setdefault(tag.competency_id, []).append(entry.id)
            for criterion in tag.criteria:
                by_criterion.setdefault(criterion.id, []).append(entry.id)
    threads: dict[int, list[Comment]] = {}
    if selection.include_feedback and entry_ids:
        for comment in db.session.scalars(
                select(Comment).where(Comment.entry_id.in_(entry_ids),
                                      Comment.private.is_(False))  # the learner's own notes
                .options(selectinload(Comment.author)).order_by(Comment.created_at, Comment.id)):
            threads.setdefault(comment.entry_id, []).append(comment)

    def level(competency, source, scale):
        row = latest.get((competency.id, source))
        if row is None:
            return None
        label = next((s["label"] for s in scale if s["value"] == row.level), "")
        return {"level": row.level, "label": label, "justification": row.justification,
                "at": _iso(row.created_at),
                "by": row.assessor.name if row.assessor else None}

    frameworks = []
    table = []  # the evidence table: what the jury reads shows each compétence, criterion
    for progress in progress_of(learner.id, with_criteria=True):
        framework = progress.framework
        blocks = []
        for block in progress.blocks:
            blocks.append({
                "code": block.block.code, "title": block.block.title, "kind": block.block.kind,
                "self_mean": block.self_mean, "referent_mean": block.referent_mean,
                "coverage": block.coverage, "size": block.size,
                "self_count": block.self_count, "referent_count": block.referent_count,
                "evidenced_count": block.evidenced_count, "gap": block.gap,
                "competencies": [{
                    "key": f"{framework.code}:{c.competency.code}",
                    "code": c.competency.code, "title": c.competency.title,
                    "criteria": [k.text for k in c.competency.criteria],
                    "self": level(c.competency, Source.SELF.value, framework.scale),
                    "referent": level(c.competency, Source.REFERENT.value, framework.scale),
                    "evidence": evidence.get(c.competency.id, []),
                } for c in block.competencies],
            })
        if selection.include_evidence:
            table += [evidence_row(framework.code, c, evidence, by_criterion)
                      for block in progress.blocks for c in block.competencies]
        frameworks.append({"code": framework.code, "title": framework.title,
                           "version": framework.version, "scale": framework.scale,
                           "blocks": blocks})

    def entry_data(entry: Entry) -> dict:
        return {
            "id": entry.id, "title": entry.title, "kind": entry.kind,
            "occurred_on": entry.occurred_on.isoformat(), "context": entry.context or "",
            "version": entry.version, "updated_at": _iso(entry.updated_at),
            "body": entry.body, "body_html": entry.body_html,
            "reflection": dict(entry.reflection or {}), "keywords": entry.keywords,
            "competencies": [{
                "key": f"{t.competency.framework.code}:{t.competency.code}",
                "title": t.competency.title, "how": t.how or "",
                "criteria": [k.text for k in t.criteria]} for t in entry.tags],
            "attachments": [{
                "id": a.id, "name": a.name, "content_type": a.content_type, "size": a.size,
                "sha256": a.sha256,
                "path": attachment_path(a) if selection.include_attachments else None,
            } for a in entry.attachments],
            "feedback": [{
                "id": c.id, "author": c.author.name if c.author else c.imported_author,
                "at": _iso(c.created_at),
                "body": c.body, "body_html": c.body_html} for c in threads.get(entry.id, [])],
        }

    return {
        "format": FORMAT, "version": FORMAT_VERSION, "generated_at": _iso(utcnow()),
        "learner": {"id": learner.id, "name": learner.name, "email": learner.email},
        "referents": [{"name": a.referent.name, "kind": a.kind}
                      for a in assignments_of_learner(learner)],
        "options": {"include_feedback": selection.include_feedback,
                    "include_attachments": selection.include_attachments,
                    "include_evidence": selection.include_evidence},
        "frameworks": frameworks,
        "entries": [entry_data(e) for e in entries],
        "reviews": [review_data(r) for r in closed_for_export(learner.id)],
        "evidence": table,
    }


def evidence_row(code: str, item, evidence: dict, by_criterion: dict) -> dict:
    """One compétence of the evidence table, with what the export holds: its entries, its
    criteria with theirs, and its gaps (no evidence; evidence but no tutor level; the
    learner's level a level or more above the tutor's)."""
    entries = evidence.get(item.competency.id, [])
    gaps = competency_gaps(bool(entries), item.referent_level is not None, item.gap)
    return {"key": f"{code}:{item.competency.code}", "title": item.competency.title,
            "entries": entries, "gaps": gaps,
            "criteria": [{"text": k.text, "entries": by_criterion.get(k.id, [])}
                         for k in item.competency.criteria]}
