"""Entries: the learner's evidence and reflections. Validate, save, keep every version."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from portfolio import search
from portfolio.db import db, utcnow
from portfolio.markdown import MarkdownRefused, render_markdown
from portfolio.models import (
    KINDS,
    REFLECTION_FIELDS,
    VISIBILITIES,
    Competency,
    Criterion,
    Entry,
    EntryKeyword,
    EntryRevision,
    EntryTag,
    Framework,
    User,
)
from portfolio.services import Conflict, Invalid, ServiceError
from portfolio.services.attachments import delete_attachment
from portfolio.services.enrolments import enrolled_competency_ids
from portfolio.services.frameworks import register_evidence_counter
from portfolio.text import clean_name, clean_text, fold

TITLE_MAX = 200
CONTEXT_MAX = 300
REFLECTION_MAX = 10_000
HOW_MAX = 300
MAX_TAGS = 40
MAX_KEYWORDS = 30
KEYWORD_MAX = 60
EARLIEST = date(1950, 1, 1)


@register_evidence_counter
def count_tags(competency_ids: list[int]) -> dict[int, int]:
    """Entries tagged with each compétence (a re-import must not drop them)."""
    return dict(db.session.execute(
        select(EntryTag.competency_id, func.count(EntryTag.id))
        .where(EntryTag.competency_id.in_(competency_ids))
        .group_by(EntryTag.competency_id)).all())


@dataclass
class TagData:
    competency_id: int
    criterion_ids: list[int] = field(default_factory=list)
    how: str = ""


@dataclass
class EntryData:
    """What a learner submits for an entry, before checking."""

    title: str = ""
    body: str = ""
    kind: str = "work_placement"
    occurred_on: date | None = None
    context: str = ""
    visibility: str = "private"
    reflection: dict = field(default_factory=dict)
    tags: list[TagData] = field(default_factory=list)
    # Free keywords; None leaves an entry's keywords as they are (a client that never saw them).
    keywords: list[str] | None = None


def clean_keywords(raw: list[str] | str | None) -> list[str]:
    """Keywords as typed (a list, or one text separated by commas), cleaned, without repeats
    (accents, case and ligatures aside); not checked for length or number."""
    if raw is None:
        return []
    items = raw.split(",") if isinstance(raw, str) else [str(k) for k in raw]
    kept: dict[str, str] = {}
    for item in items:
        label = " ".join((clean_name(item) or "").split()).lstrip("#")
        if label and fold(label) not in kept:
            kept[fold(label)] = label
    return list(kept.values())


class StaleEdit(Conflict):
    """The entry changed since the editor opened it: nothing was overwritten."""

    def __init__(self, entry: Entry):
        super().__init__(_("Cette entrée a été modifiée ailleurs depuis que vous l'avez ouverte "
                           "(version %(v)d). Rien n'a été écrasé.", v=entry.version))
        self.entry = entry


def _check(learner: User, data: EntryData,
           kept: frozenset[int] = frozenset()) -> tuple[dict, str, list[TagData]]:
    errors: dict[str, str] = {}
    title = clean_name(data.title) or ""
    if not title:
        errors["title"] = _("Donnez un titre à l'entrée.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Le titre est trop long (%(max)d caractères au plus).", max=TITLE_MAX)
    if data.kind not in KINDS:
        errors["kind"] = _("Choisissez un type d'entrée.")
    if data.visibility not in VISIBILITIES:
        errors["visibility"] = _("Choisissez qui peut lire l'entrée.")
    if data.occurred_on is None:
        errors["occurred_on"] = _("Indiquez la date de la situation (jj/mm/aaaa).")
    elif not EARLIEST <= data.occurred_on <= date.today() + timedelta(days=366):
        errors["occurred_on"] = _("Cette date n'est pas plausible.")
    context = clean_name(data.context) or ""
    if len(context) > CONTEXT_MAX:
        errors["context"] = _("Le contexte est trop long (%(max)d caractères au plus).",
                              max=CONTEXT_MAX)
    reflection = {}
    for key in REFLECTION_FIELDS:
        value = clean_text(str((data.reflection or {}).get(key) or "")) or ""
        if len(value) > REFLECTION_MAX:
            errors[key] = _("Trop long (%(max)d caractères au plus).", max=REFLECTION_MAX)
        if value:
            reflection[key] = value
    body = (clean_text(data.body) or "").replace("\r\n", "\n")
    body_html = ""
    try:
        body_html = str(render_markdown(body))
    except MarkdownRefused as refusal:
        errors["body"] = refusal.message
    tags = _check_tags(learner, data.tags, errors, kept)
    keywords = None if data.keywords is None else clean_keywords(data.keywords)
    if keywords and len(keywords) > MAX_KEYWORDS:
        errors["keywords"] = _("Au plus %(max)d mots-clés par entrée.", max=MAX_KEYWORDS)
    elif keywords and any(len(k) > KEYWORD_MAX for k in keywords):
        errors["keywords"] = _("Un mot-clé a %(max)d caractères au plus.", max=KEYWORD_MAX)
    if errors:
        raise Invalid(errors)
    fields = dict(title=title, body=body, body_html=body_html, kind=data.kind,
                  occurred_on=data.occurred_on, context=context, visibility=data.visibility,
                  reflection=reflection)
    return fields, keywords, tags


def _check_tags(learner: User, tags: list[TagData], errors: dict,
                kept: frozenset[int]) -> list[TagData]:
    """Compétences of the learner's blocks; or already on the entry (archived or left blocks)."""
    if not tags:
        return []
    if len(tags) > MAX_TAGS:
        errors["tags"] = _("Au plus %(max)d compétences par entrée.", max=MAX_TAGS)
        return []
    allowed = enrolled_competency_ids(learner.id) | kept
    merged: dict[int, TagData] = {}
    for tag in tags:
        if tag.competency_id not in allowed:
            errors["tags"] = _("Une compétence choisie ne fait pas partie de vos blocs.")
            continue
        how = clean_name(tag.how) or ""
        if len(how) > HOW_MAX:
            errors["tags"] = _("« En quoi cette entrée le montre » : %(max)d caractères au plus.",
                               max=HOW_MAX)
        merged[tag.competency_id] = TagData(tag.competency_id, sorted(set(tag.criterion_ids)),
                                            how[:HOW_MAX])
    wanted = {cid for t in merged.values() for cid in t.criterion_ids}
    if wanted:
        owners = dict(db.session.execute(select(Criterion.id, Criterion.competency_id).where(
            Criterion.id.in_(wanted))).all())
        for tag in merged.values():
            if any(owners.get(cid) != tag.competency_id for cid in tag.criterion_ids):
                errors["tags"] = _("Un critère coché n'appartient pas à sa compétence.")
    return list(merged.values())


def _apply_tags(entry: Entry, tags: list[TagData]) -> None:
    existing = {t.competency_id: t for t in entry.tags}
    wanted = {t.competency_id for t in tags}
    for tag in list(entry.tags):
        if tag.competency_id not in wanted:
            entry.tags.remove(tag)
    criteria = {}
    ids = [cid for t in tags for cid in t.criterion_ids]
    if ids:
        criteria = {c.id: c for c in db.session.scalars(select(Criterion).where(
            Criterion.id.in_(ids)))}
    for position, data in enumerate(tags):
        tag = existing.get(data.competency_id)
        if tag is None:
            tag = EntryTag(competency_id=data.competency_id)
            entry.tags.append(tag)
        tag.how = data.how
        tag.position = position
        tag.criteria = [criteria[cid] for cid in data.criterion_ids]


def _apply_keywords(entry: Entry, keywords: list[str] | None) -> None:
    """Set the entry's keywords, keeping the rows of those that stay (one per folded form)."""
    if keywords is None:
        return
    existing = {k.folded: k for k in entry.keyword_rows}
    wanted = [fold(k) for k in keywords]
    for row in list(entry.keyword_rows):
        if row.folded not in wanted:
            entry.keyword_rows.remove(row)
    for position, (label, folded) in enumerate(zip(keywords, wanted, strict=True)):
        row = existing.get(folded)
        if row is None:
            row = EntryKeyword(folded=folded)
            entry.keyword_rows.append(row)
        row.label, row.position = label, position


def _snapshot(entry: Entry) -> None:
    keys, details = [], {}
    if entry.tags:
        ids = [t.competency_id for t in entry.tags]
        rows = db.session.execute(select(Competency.id, Competency.code, Competency.framework_id)
                                  .where(Competency.id.in_(ids))).all()
        codes = dict(db.session.execute(select(Framework.id, Framework.code)).all())
        by_id = {cid: f"{codes[fw]}:{code}" for cid, code, fw in rows}
        keys = [by_id[t.competency_id] for t in entry.tags if t.competency_id in by_id]
        details = {by_id[t.competency_id]: {"criteria": [c.text for c in t.criteria],
                                            "how": t.how or ""}
                   for t in entry.tags if t.competency_id in by_id}
    entry.revisions.append(EntryRevision(
        version=entry.version, title=entry.title, body=entry.body, kind=entry.kind,
        occurred_on=entry.occurred_on, context=entry.context, visibility=entry.visibility,
        reflection=dict(entry.reflection or {}), tags=keys, tag_details=details))


def create_entry(learner: User, data: EntryData) -> Entry:
    """Write a new entry for the learner."""
    fields, keywords, tags = _check(learner, data)
    now = utcnow()
    entry = Entry(learner_id=learner.id, version=1, created_at=now, updated_at=now, **fields)
    db.session.add(entry)
    db.session.flush()
    _apply_tags(entry, tags)
    _apply_keywords(entry, keywords)
    db.session.flush()
    _snapshot(entry)
    search.index_entry(entry)
    db.session.flush()
    return entry


def update_entry(entry: Entry, learner: User, data: EntryData, base_version: int | None) -> Entry:
    """Save a new version of the entry, unless it changed since `base_version`."""
    if base_version != entry.version:
        raise StaleEdit(entry)
    fields, keywords, tags = _check(learner, data,
                                    frozenset(t.competency_id for t in entry.tags))
    for key, value in fields.items():
        setattr(entry, key, value)
    _apply_tags(entry, tags)
    _apply_keywords(entry, keywords)
    entry.version += 1
    entry.updated_at = utcnow()
    db.session.flush()
    _snapshot(entry)
    search.index_entry(entry)
    db.session.flush()
    return entry


def set_first_body(entry: Entry, body: str) -> None:
    """The body of an entry still at its first version, written once its files have ids (an
    importer's last step): the same checks and rendering as a save, no second version."""
    if entry.version != 1:
        raise Conflict(_("Cette entrée a déjà été modifiée."))
    body = (clean_text(body) or "").replace("\r\n", "\n")
    try:
        html = str(render_markdown(body))
    except MarkdownRefused as refusal:
        raise Invalid({"body": refusal.message}) from refusal
    entry.body, entry.body_html = body, html
    entry.revisions[-1].body = body
    db.session.flush()
    search.index_entry(entry)


def delete_entry(entry: Entry) -> None:
    """Delete the entry, its tags, versions and files (the files once committed)."""
    for attachment in list(entry.attachments):
        delete_attachment(attachment)
    search.unindex_entry(entry.id)
    db.session.delete(entry)
    db.session.flush()


def set_visibility(entry: Entry, visibility: str) -> None:
    """Change only who may read the entry (a new version all the same)."""
    if visibility not in VISIBILITIES:
        raise ServiceError(_("Choisissez qui peut lire l'entrée."), field="visibility")
    if entry.visibility != visibility:
        entry.visibility = visibility
        entry.version += 1
        entry.updated_at = utcnow()
        db.session.flush()
        _snapshot(entry)
        db.session.flush()


# Versions and their differences ----------------------------------------------------------------

def revision(entry: Entry, version: int) -> EntryRevision | None:
    return db.session.scalar(select(EntryRevision).where(
        EntryRevision.entry_id == entry.id, EntryRevision.version == version))


def _tags_text(rev: EntryRevision) -> str:
    """The tags of a version, one line each, with the criteria ticked and the "en quoi"
    under them, so that a line diff shows which of them changed."""
    lines = []
    for key in rev.tags or []:
        lines.append(key.split(":", 1)[-1])
        said = (rev.tag_details or {}).get(key) or {}
        lines += [f"    ✓ {' '.join(text.split())[:160]}" for text in said.get("criteria", [])]
        if said.get("how"):
            lines.append(f"    → {said['how']}")
    return "\n".join(lines)


def _fields_of(rev: EntryRevision) -> list[tuple[str, str]]:
    reflection = rev.reflection or {}
    return ([("title", rev.title), ("context", rev.context or ""),
             ("occurred_on", rev.occurred_on.isoformat()), ("kind", rev.kind),
             ("visibility", rev.visibility), ("tags", _tags_text(rev)),
             ("body", rev.body)]
            + [(k, str(reflection.get(k) or "")) for k in REFLECTION_FIELDS])


@dataclass
class FieldDiff:
    field: str
    lines: list[tuple[str, str]]  # ("equal" | "insert" | "delete", text)


def diff_texts(old: str, new: str) -> list[tuple[str, str]]:
    """A line diff, as (operation, line) pairs, for people to read."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    lines = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            lines += [("equal", line) for line in old_lines[a1:a2]]
        else:
            lines += [("delete", line) for line in old_lines[a1:a2]]
            lines += [("insert", line) for line in new_lines[b1:b2]]
    return lines


def diff_revisions(old: EntryRevision, new: EntryRevision) -> list[FieldDiff]:
    """What changed from one version to another, field by field (unchanged fields left out)."""
    result = []
    for (name, before), (_name, after) in zip(_fields_of(old), _fields_of(new), strict=False):
        if before != after:
            result.append(FieldDiff(name, diff_texts(before, after)))
    return result


def diff_entry_texts(current: Entry, mine: dict) -> list[FieldDiff]:
    """What the learner's unsaved text changes against the entry's current one."""
    result = []
    pairs = [("title", current.title, mine.get("title", "")),
             ("body", current.body, mine.get("body", ""))]
    pairs += [(k, str((current.reflection or {}).get(k) or ""), str(mine.get(k) or ""))
              for k in REFLECTION_FIELDS]
    for name, before, after in pairs:
        after = (after or "").replace("\r\n", "\n").strip()
        if before.strip() != after:
            result.append(FieldDiff(name, diff_texts(before, after)))
    return result


