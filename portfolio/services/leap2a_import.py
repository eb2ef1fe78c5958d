"""Leap2A in: a Mahara export (or ours) into a learner's private entries.

Each journal post becomes a private entry: its title, its body (HTML made Markdown, then
rendered by the one render_markdown path), its date (`<published>`), the journal as context,
its tags as keywords, its files as attachments (linked `related`/`enclosure`, or embedded as
images), its comments as the entry's thread (the author as written; private ones for the
learner only). Drafts (`readiness#Unready`) get the keyword "brouillon". What is not a post
(pages, collections, résumé, annotations, abilities, the profile) is counted as skipped.
Each post's Leap2A id is remembered: importing the same file again adds nothing.

Bounded: the archive's size, number of members and compression ratio; the XML's size; no DTD
or entity (defusedxml); no path outside the archive.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portfolio.db import db
from portfolio.models import KINDS, Entry, ImportedItem, User
from portfolio.services import Invalid, ServiceError
from portfolio.services import entries as entry_service
from portfolio.services.leap2a_read import Item, read_feed

MAX_ARCHIVE_MEMBERS = 20_000
MAX_UNCOMPRESSED = 2 * 1024**3
MAX_RATIO = 200  # a member that inflates more than this is a bomb, not a document
MAX_XML = 64 * 1024**2
FEED_NAMES = ("leap2a.xml", "leap2.xml", "leap.xml")


class ImportRefused(ServiceError):
    """The file cannot be read as a Leap2A archive; the message says why."""


@dataclass
class Report:
    entries: int = 0
    already: int = 0
    files: int = 0
    comments: int = 0
    keywords: int = 0
    skipped: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def open_archive(stream) -> tuple[zipfile.ZipFile, str]:
    """The archive and its feed's name, after the checks that keep a hostile file out."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused(_("Ce fichier n'est pas une archive ZIP lisible.")) from error
    members = archive.infolist()
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise ImportRefused(_("L'archive contient trop de fichiers (%(max)d au plus).",
                              max=MAX_ARCHIVE_MEMBERS))
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        raise ImportRefused(_("L'archive décompressée est trop grande."))
    for member in members:
        if member.file_size > 1024**2 and member.file_size > MAX_RATIO * max(
                member.compress_size, 1):
            raise ImportRefused(_("L'archive est anormalement compressée (%(name)s) : refusée.",
                                  name=member.filename[:80]))
    names = {m.filename for m in members}
    feed = next((n for n in FEED_NAMES if n in names), None)
    if feed is None:
        raise ImportRefused(_("L'archive ne contient pas de fichier leap2a.xml : est-ce bien "
                              "un export Leap2A (Mahara : « Exporter » puis « Leap2A ») ?"))
    if archive.getinfo(feed).file_size > MAX_XML:
        raise ImportRefused(_("Le fichier leap2a.xml est trop grand (%(max)d Mo au plus).",
                              max=MAX_XML // 1024**2))
    return archive, feed


def parse_feed(data: bytes) -> Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException as error:
        raise ImportRefused(_("Le fichier leap2a.xml déclare des entités ou une DTD : refusé "
                              "par sécurité.")) from error
    except SafeET.ParseError as error:
        raise ImportRefused(_("Le fichier leap2a.xml n'est pas du XML bien formé (%(where)s).",
                              where=str(error)[:120])) from error


def member_path(archive: zipfile.ZipFile, href: str) -> str | None:
    """The archive member an enclosure names, if it is one (never a path outside it)."""
    from urllib.parse import unquote

    for candidate in (href, unquote(href)):
        path = posixpath.normpath(candidate.replace("\\", "/")).lstrip("/")
        if path.startswith("..") or path in ("", "."):
            continue
        try:
            archive.getinfo(path)
        except KeyError:
            continue
        return path
    return None


def _remembered(learner: User, source_ids: list[str]) -> dict[str, int]:
    if not source_ids:
        return {}
    return dict(db.session.execute(select(ImportedItem.source_id, ImportedItem.object_id).where(
        ImportedItem.learner_id == learner.id, ImportedItem.source_id.in_(source_ids))).all())


def import_leap2a(learner: User, stream) -> Report:
    """Import the archive's journal posts into the learner's private entries."""
    if learner.role != "learner":
        raise ServiceError(_("Seul·e un·e apprenti·e importe un portfolio."), code="forbidden")
    archive, feed_name = open_archive(stream)
    with archive:
        feed = read_feed(parse_feed(archive.read(feed_name)))
        report = Report(skipped=Counter(feed.skipped))
        done = _remembered(learner, [post.id for post in feed.posts])
        for post in feed.posts:
            if post.id in done:
                report.already += 1
                continue
            with force_locale(learner.locale or "fr"):  # what it writes, in their language
                _import_post(learner, archive, feed, post, report)
        report.skipped.update(feed.comments_elsewhere())
    db.session.flush()
    return report


def _import_post(learner: User, archive, feed, post: Item, report: Report) -> None:
    from portfolio.services.leap2a_content import attach_files, comments_for, post_markdown

    keywords = feed.keywords_of(post) + ([_("brouillon")] if post.draft else [])
    keywords = [k[:entry_service.KEYWORD_MAX] for k in keywords]
    kind = post.kind_of_entry if post.kind_of_entry in KINDS else "reflection"
    data = entry_service.EntryData(
        title=(post.title or _("Sans titre"))[:entry_service.TITLE_MAX],
        body="", kind=kind, occurred_on=_day(post.published),
        context=feed.context_of(post)[:entry_service.CONTEXT_MAX], visibility="private",
        reflection=post.reflection, keywords=keywords[:entry_service.MAX_KEYWORDS],
        tags=[entry_service.TagData(cid) for cid in feed.competency_ids(learner, post)])
    try:
        with db.session.begin_nested():
            entry = entry_service.create_entry(learner, data)
            files = attach_files(entry, archive, feed, post, report)
            body = post_markdown(post, files)
            if body:
                entry_service.set_first_body(entry, body)
            for comment in comments_for(entry, feed, post):
                db.session.add(comment)
                report.comments += 1
            db.session.add(ImportedItem(learner_id=learner.id, source_id=post.id[:300],
                                        kind="entry", object_id=entry.id))
            db.session.flush()
    except Invalid as refused:
        report.problems.append(_("« %(title)s » : %(why)s", title=post.title[:80],
                                 why=" ".join(refused.errors.values())))
        return
    report.entries += 1
    report.keywords += len(entry.keywords)


def _day(value: datetime | None) -> date:
    return value.date() if value else date.today()


def imported_entries(learner: User) -> list[Entry]:
    """The learner's entries that came from an import (newest first)."""
    ids = select(ImportedItem.object_id).where(ImportedItem.learner_id == learner.id,
                                               ImportedItem.kind == "entry")
    return list(db.session.scalars(select(Entry).where(Entry.id.in_(ids))
                                   .order_by(Entry.occurred_on.desc())))



def report_lines(report: Report) -> list[str]:
    """The report for scripts: one "what: count" per line, then the problems."""
    lines = [f"entries imported: {report.entries}", f"already imported: {report.already}",
             f"files: {report.files}", f"comments: {report.comments}",
             f"keywords: {report.keywords}"]
    lines += [f"skipped {kind}: {count}" for kind, count in sorted(report.skipped.items())]
    lines += [f"problem: {problem}" for problem in report.problems]
    return lines
