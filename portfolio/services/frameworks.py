"""Référentiels: import (create or update in place), lookup, shipped data, search."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portfolio.db import db, utcnow
from portfolio.models import Block, Competency, Criterion, Framework
from portfolio.services import NotFound
from portfolio.services import framework_format as fmt
from portfolio.text import fold

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).resolve().parent.parent / "referentiels"

# Functions that count the evidence (tags, assessments...) pointing to compétences, by id.
# Features register theirs, so that a re-import never drops a compétence someone relies on.
EvidenceCounter = Callable[[list[int]], dict[int, int]]
_evidence_counters: list[EvidenceCounter] = []


def register_evidence_counter(counter: EvidenceCounter) -> EvidenceCounter:
    """Declare a kind of evidence that keeps a compétence alive across re-imports."""
    if counter not in _evidence_counters:
        _evidence_counters.append(counter)
    return counter


def evidence_counts(competency_ids: list[int]) -> dict[int, int]:
    """Count, per compétence id, what points to it (0 when nothing does)."""
    totals = dict.fromkeys(competency_ids, 0)
    if competency_ids:
        for counter in _evidence_counters:
            for cid, n in counter(competency_ids).items():
                totals[cid] = totals.get(cid, 0) + n
    return totals


@dataclass
class ImportReport:
    code: str
    version: str
    status: str  # "created", "updated" or "unchanged"
    removed: list[str] = field(default_factory=list)   # compétences deleted (no evidence)
    archived: list[str] = field(default_factory=list)  # compétences kept for their evidence
    added: list[str] = field(default_factory=list)


def _load_query():
    return select(Framework).options(
        selectinload(Framework.blocks).selectinload(Block.competencies)
        .selectinload(Competency.criteria))


def get_framework(code: str) -> Framework | None:
    """Return the framework with this code, its blocks, compétences and criteria loaded."""
    return db.session.scalar(_load_query().where(Framework.code == code))


def list_frameworks(with_blocks: bool = False) -> list[Framework]:
    """All frameworks by code (with their blocks loaded, in one more query, when asked)."""
    query = select(Framework).order_by(Framework.code)
    if with_blocks:
        query = query.options(selectinload(Framework.blocks))
    return list(db.session.scalars(query))


def find_competency(key: str) -> Competency | None:
    """Return the current compétence named "FRAMEWORK:CODE", or None."""
    fw_code, _sep, code = key.partition(":")
    if not code:
        return None
    return db.session.scalar(
        select(Competency).join(Framework, Competency.framework_id == Framework.id)
        .where(Framework.code == fw_code, Competency.code == code,
               Competency.archived_at.is_(None)))


def import_file(content: bytes, filename: str = "", *, force: bool = False) -> ImportReport:
    """Read, check and import a framework file; all or nothing."""
    return import_framework(fmt.validate(fmt.parse(content, filename)), force=force)


def import_framework(data: dict, *, force: bool = False) -> ImportReport:
    """Create the framework, or update it in place, matching compétences by code."""
    framework = get_framework(data["code"])
    if framework is None:
        framework = Framework(code=data["code"])
        db.session.add(framework)
        _apply(framework, data, force=False)
        db.session.flush()
        log.info("framework %s imported (version %s)", data["code"], data["version"])
        return ImportReport(data["code"], data["version"], "created")
    if fmt.export(framework) == data:
        return ImportReport(data["code"], data["version"], "unchanged")
    if framework.version == data["version"]:
        raise fmt.FrameworkInvalid([_(
            "version : le référentiel « %(code)s » existe déjà en version %(version)s avec un "
            "autre contenu ; changez la version pour le mettre à jour.",
            code=data["code"], version=data["version"])])
    report = _apply(framework, data, force=force)
    db.session.flush()
    log.info("framework %s updated to version %s", data["code"], data["version"])
    return report


def _apply(framework: Framework, data: dict, *, force: bool) -> ImportReport:
    report = ImportReport(data["code"], data["version"], "updated")
    for key in ("title", "version", "language", "source", "scale"):
        setattr(framework, key, data[key])
    old_blocks = {b.code: b for b in framework.blocks}
    old_competencies = {c.code: c for b in framework.blocks for c in b.competencies}
    kept_blocks: set[str] = set()
    kept_competencies: set[str] = set()
    for position, block_data in enumerate(data["blocks"]):
        block = old_blocks.get(block_data["code"])
        if block is None:
            block = Block(code=block_data["code"])
            framework.blocks.append(block)
        block.position = position
        block.archived_at = None
        for key in ("kind", "title", "activities", "jobs", "assessment_methods", "mobilises"):
            setattr(block, key, block_data[key])
        kept_blocks.add(block.code)
        for cposition, comp_data in enumerate(block_data["competencies"]):
            competency = old_competencies.get(comp_data["code"])
            if competency is None:
                competency = Competency(code=comp_data["code"], framework=framework)
                if old_competencies:
                    report.added.append(comp_data["code"])
            if competency.block is not block:
                if competency.block is not None:
                    competency.block.competencies.remove(competency)
                block.competencies.append(competency)
            competency.title = comp_data["title"]
            competency.position = cposition
            competency.archived_at = None
            _set_criteria(competency, comp_data["criteria"])
            kept_competencies.add(competency.code)
    gone = [c for code, c in old_competencies.items()
            if code not in kept_competencies and c.archived_at is None]
    counts = evidence_counts([c.id for c in gone if c.id is not None])
    with_evidence = sorted(c.code for c in gone if counts.get(c.id, 0))
    if with_evidence and not force:
        raise fmt.FrameworkInvalid([_(
            "blocks : des compétences ont disparu alors que des preuves ou des évaluations s'y "
            "rapportent : %(codes)s. Gardez-les dans le fichier, ou importez avec « forcer » "
            "(--force) pour les archiver.", codes=", ".join(with_evidence))])
    now = utcnow()
    for competency in gone:
        if counts.get(competency.id, 0):
            competency.archived_at = now
            report.archived.append(competency.code)
        else:
            competency.block.competencies.remove(competency)
            db.session.delete(competency)
            report.removed.append(competency.code)
    for code, block in old_blocks.items():
        if code in kept_blocks:
            continue
        if any(c.archived_at for c in block.competencies):
            block.archived_at = block.archived_at or now
        else:
            framework.blocks.remove(block)
            db.session.delete(block)
    report.removed.sort()
    report.archived.sort()
    return report


def _set_criteria(competency: Competency, texts: list[str]) -> None:
    # Updated in place by position: a criterion keeps its id (and what points to it) when
    # only its wording changes.
    existing = list(competency.criteria)
    for position, text in enumerate(texts):
        if position < len(existing):
            existing[position].text = text
            existing[position].position = position
        else:
            competency.criteria.append(Criterion(text=text, position=position))
    for extra in existing[len(texts):]:
        competency.criteria.remove(extra)


def shipped_files() -> list[Path]:
    return sorted(SHIPPED.glob("*.json"))


def load_shipped_frameworks() -> list[ImportReport]:
    """Import the référentiels shipped with Portfolio that are missing or older."""
    reports = []
    for path in shipped_files():
        data = fmt.validate(fmt.parse(path.read_bytes(), path.name))
        existing = get_framework(data["code"])
        if existing is not None and existing.version == data["version"]:
            reports.append(ImportReport(data["code"], data["version"], "unchanged"))
            continue
        reports.append(import_framework(data))
    return reports


def matching_competencies(blocks: Iterable[Block], query: str) -> dict[int, list[Competency]]:
    """Return, per block id, the current compétences whose code, title or criteria match."""
    words = fold(query).split()
    result: dict[int, list[Competency]] = {}
    for block in blocks:
        matches = []
        for competency in block.current_competencies:
            haystack = fold(" ".join([competency.code, competency.title, block.code] +
                                     [c.text for c in competency.criteria]))
            if all(word in haystack for word in words):
                matches.append(competency)
        result[block.id] = matches
    return result


def check_exists(code: str) -> Framework:
    framework = get_framework(code)
    if framework is None:
        raise NotFound(_("Référentiel inconnu : %(code)s.", code=code), field="framework")
    return framework
