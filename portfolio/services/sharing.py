"""Export choices, share links for a jury, and the learner's own data (RGPD)."""

from __future__ import annotations

import json
import secrets
import tempfile
import zipfile
from datetime import datetime, timedelta
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import or_, select

from portfolio import search, storage
from portfolio.db import db, utcnow
from portfolio.exports import Selection, build_model
from portfolio.models import (
    Assessment,
    Attachment,
    AuditLine,
    Comment,
    Draft,
    Entry,
    EntryRevision,
    ExportSelection,
    FeedbackRequest,
    Notification,
    Role,
    ShareAccess,
    ShareLink,
    User,
)
from portfolio.passwords import token_digest, verify_password
from portfolio.services import NotFound, ServiceError
from portfolio.text import clean_name, device_of

DEFAULT_DAYS = 30
MAX_DAYS = 365
ERASE_GRACE = timedelta(days=30)
CHUNK = 1024 * 1024


# The saved selection --------------------------------------------------------------------------

def selection_of(learner: User) -> Selection:
    saved = db.session.scalar(select(ExportSelection).where(
        ExportSelection.learner_id == learner.id))
    if saved is None:
        return Selection()
    return Selection(excluded=list(saved.excluded or []),
                     include_feedback=saved.include_feedback,
                     include_attachments=saved.include_attachments,
                     include_evidence=saved.include_evidence)


def save_selection(learner: User, excluded: list[int], include_feedback: bool,
                   include_attachments: bool, include_evidence: bool = False) -> None:
    saved = db.session.scalar(select(ExportSelection).where(
        ExportSelection.learner_id == learner.id))
    if saved is None:
        saved = ExportSelection(learner_id=learner.id)
        db.session.add(saved)
    saved.excluded = sorted(set(excluded))[:10_000]
    saved.include_feedback = include_feedback
    saved.include_attachments = include_attachments
    saved.include_evidence = include_evidence
    saved.updated_at = utcnow()
    db.session.flush()


# Export files -----------------------------------------------------------------------------------

FORMATS = {  # format -> (content type, file extension)
    "html": ("text/html", "html"),  # werkzeug adds "; charset=utf-8" to text/* itself
    "pdf": ("application/pdf", "pdf"),
    "zip": ("application/zip", "zip"),
    "json": ("application/json", "json"),
}
TEXT_FORMATS = ("html", "json")  # small enough to answer from memory


def export_name(learner: User, day, extension: str) -> str:
    """The file name a jury keeps: "portfolio-camille-martin-2026-12-01.pdf" (ASCII, so that
    every mail client and archive keeps it)."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", learner.name).encode("ascii", "ignore").decode()
    slug = "-".join("".join(ch if ch.isalnum() else " " for ch in ascii_name.lower()).split())
    return f"portfolio-{slug[:60] or 'export'}-{day.isoformat()}.{extension}"


def export_file(learner: User, fmt: str):
    """The learner's export (their saved selection) in a format, as an open temporary file:
    in memory while small, on disk past 8 MB (a ZIP of large files stays out of memory)."""
    return write_export(build_model(learner, selection_of(learner)), fmt,
                        locale=learner.locale)


def write_export(model: dict, fmt: str, paths: dict | None = None, locale: str | None = None):
    """An export model written in a format, as an open temporary file (see export_file); in
    the learner's language (`locale`), else the école's default, whoever or whatever asks
    (a terminal in English, a worker)."""
    from flask import current_app
    from flask_babel import force_locale

    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _write_export(model, fmt, paths)


def _write_export(model: dict, fmt: str, paths: dict | None):
    from portfolio.exports.html import write_html
    from portfolio.exports.writers import write_json, write_pdf, write_zip

    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    if fmt == "html":
        handle.write(write_html(model).encode("utf-8"))
    elif fmt == "json":
        handle.write(write_json(model).encode("utf-8"))
    elif fmt == "pdf":
        write_pdf(model, handle, paths)
    else:
        write_zip(model, handle, paths)
    handle.seek(0)
    return handle


# Share links ----------------------------------------------------------------------------------

def create_link(learner: User, label: str | None, days: int | None) -> tuple[ShareLink, str]:
    """A link to a frozen snapshot of the export; returns the link and its token (once)."""
    if learner.role != Role.LEARNER:
        raise NotFound(_("Seul·e l'apprenti·e partage son portfolio."))
    days = DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise ServiceError(_("La durée va de 1 à %(max)d jours.", max=MAX_DAYS), field="days")
    name = clean_name(label) or ""
    if len(name) > 200:
        raise ServiceError(_("Le nom est trop long (200 caractères au plus)."), field="label")
    token = secrets.token_urlsafe(32)  # 256 bits
    now = utcnow()
    link = ShareLink(learner_id=learner.id, token_hash=token_digest(token), label=name,
                     snapshot=build_model(learner, selection_of(learner)), created_at=now,
                     expires_at=now + timedelta(days=days))
    db.session.add(link)
    db.session.flush()
    return link, token


def links_of(learner: User) -> list[ShareLink]:
    return list(db.session.scalars(select(ShareLink).where(
        ShareLink.learner_id == learner.id).order_by(ShareLink.id.desc())))


def revoke(learner: User, link_id: int) -> None:
    link = db.session.get(ShareLink, link_id)
    if link is None or link.learner_id != learner.id:
        raise NotFound(_("Lien inconnu."))
    if link.revoked_at is None:
        link.revoked_at = utcnow()
    db.session.flush()


def open_link(token: str, now: datetime | None = None) -> ShareLink | None:
    """The link this token opens, if it is still valid (None otherwise, whatever the reason)."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == token_digest(token)))
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        return None
    return link


def coarse_client(user_agent: str | None) -> str:
    """"Firefox · Windows": enough for a learner to recognise an access, nothing more."""
    found = device_of(user_agent)
    return " · ".join(p for p in found if p) if found else _("navigateur inconnu")


def log_access(link: ShareLink, user_agent: str | None, path: str) -> None:
    db.session.add(ShareAccess(link_id=link.id, client=coarse_client(user_agent)[:120],
                               path=path[:200], created_at=utcnow()))
    db.session.flush()


def snapshot_attachment(link: ShareLink, attachment_id: int) -> Attachment | None:
    """A file of the snapshot, if the snapshot lists it and it still exists."""
    listed = {a["id"]: a for e in link.snapshot.get("entries", []) for a in e["attachments"]}
    if attachment_id not in listed or not link.snapshot.get("options", {}).get(
            "include_attachments"):
        return None
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.sha256 != listed[attachment_id]["sha256"]:
        return None
    return item


# Personal data (RGPD) -------------------------------------------------------------------------

def _rows(model, condition) -> list[dict]:
    return [{c.key: _plain(getattr(row, c.key)) for c in model.__table__.columns}
            for row in db.session.scalars(select(model).where(condition).order_by(model.id))]


def _plain(value):
    if isinstance(value, datetime) or hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def personal_data(user: User) -> dict:
    """Every row the app holds about this person (a learner's, and what they wrote)."""
    entry_ids = select(Entry.id).where(Entry.learner_id == user.id)
    link_ids = select(ShareLink.id).where(ShareLink.learner_id == user.id)
    account = {c: _plain(getattr(user, c)) for c in (
        "id", "email", "name", "role", "active", "locale", "created_at", "last_login_at",
        "email_notifications", "erase_requested_at")}
    return {
        "account": account,
        "entries": _rows(Entry, Entry.learner_id == user.id),
        "entry_revisions": _rows(EntryRevision, EntryRevision.entry_id.in_(entry_ids)),
        "attachments": _rows(Attachment, Attachment.entry_id.in_(entry_ids)),
        "drafts": _rows(Draft, Draft.user_id == user.id),
        "assessments": _rows(Assessment, Assessment.learner_id == user.id),
        "comments": _rows(Comment, or_(Comment.entry_id.in_(entry_ids),
                                       Comment.author_id == user.id)),
        "feedback_requests": _rows(FeedbackRequest, or_(FeedbackRequest.learner_id == user.id,
                                                        FeedbackRequest.referent_id == user.id)),
        "notifications": _rows(Notification, Notification.user_id == user.id),
        "share_links": [{k: v for k, v in row.items() if k not in ("token_hash", "snapshot")}
                        for row in _rows(ShareLink, ShareLink.learner_id == user.id)],
        "share_accesses": _rows(ShareAccess, ShareAccess.link_id.in_(link_ids)),
    }


def write_personal_archive(user: User, out: BinaryIO) -> None:
    """A ZIP of `data.json` and the person's files, streamed file by file."""
    data = personal_data(user)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for row in data["attachments"]:
            path = storage.path_of(row["stored_name"])
            if path.exists():
                with open(path, "rb") as source, archive.open(
                        f"attachments/{row['id']}-{row['name'][:120]}", "w",
                        force_zip64=True) as target:
                    while chunk := source.read(CHUNK):
                        target.write(chunk)


def request_erasure(user: User, password: str) -> None:
    """Erase the account after a grace period (a login before then cancels it)."""
    if not verify_password(user.password_hash, password or ""):
        raise ServiceError(_("Mot de passe incorrect."), field="password")
    user.erase_requested_at = utcnow()
    # Nobody reads a portfolio being erased: its share links end now, for good (the API tokens
    # end with the logins, accounts.close_all_login_sessions).
    for link in db.session.scalars(select(ShareLink).where(
            ShareLink.learner_id == user.id, ShareLink.revoked_at.is_(None))):
        link.revoked_at = utcnow()
    db.session.add(AuditLine(action="erasure_requested", subject_id=user.id))
    db.session.flush()


def cancel_erasure(user: User) -> bool:
    if user.erase_requested_at is None:
        return False
    user.erase_requested_at = None
    db.session.add(AuditLine(action="erasure_cancelled", subject_id=user.id))
    db.session.flush()
    return True


def purge(now: datetime | None = None) -> list[int]:
    """Delete the accounts whose grace period is over, with every row and file of theirs."""
    now = now or utcnow()
    due = list(db.session.scalars(select(User).where(
        User.erase_requested_at.is_not(None), User.erase_requested_at <= now - ERASE_GRACE)))
    purged = []
    for user in due:
        entries = list(db.session.scalars(select(Entry).where(Entry.learner_id == user.id)))
        for entry in entries:
            for attachment in entry.attachments:
                storage.delete_after_commit(attachment.stored_name)
            search.unindex_entry(entry.id)
            db.session.delete(entry)
        db.session.flush()
        purged.append(user.id)
        db.session.delete(user)
        db.session.add(AuditLine(action="account_purged", subject_id=purged[-1]))
    db.session.flush()
    return purged
