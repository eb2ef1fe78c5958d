"""Evidence files: bounded, typed from their content, images re-encoded, stored by hash."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from portfolio import storage
from portfolio.db import db, utcnow
from portfolio.models import Attachment, Entry, HeldUpload, User
from portfolio.models.entry import StoredFile
from portfolio.services import NotFound, ServiceError
from portfolio.text import clean_name

CHUNK = 64 * 1024
MAX_ATTACHMENTS_PER_ENTRY = 30
# Re-encoded images: decoding a "small" image of 100 000 x 100 000 pixels would eat the RAM.
# Refused from the header, before decoding: Pillow itself only warns up to twice its limit
# (an image of 60 to 120 Mpx was decoded: +475 MB on one worker).
MAX_PIXELS = 60_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

IMAGES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
DOCUMENTS = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/msword",  # and the other OLE2 formats (xls, ppt) filetype reports so
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/x-ole-storage",
}
TEXT_NAMES = (".txt", ".md", ".csv")
# Text that a browser could take for markup, whatever its name.
MARKUP_PREFIXES = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<body", b"<head",
                   b"<iframe", b"<xml")


def max_bytes() -> int:
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def display_name(raw: str | None) -> str:
    """The original file name, for display only: NFC, one line, no path, bounded."""
    name = clean_name((raw or "").replace("\\", "/").rsplit("/", 1)[-1]) or "fichier"
    name = unicodedata.normalize("NFC", name)
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190] + "." + ext[:9]) if dot else name[:200]
    return name


def sniff(head: bytes, name: str) -> str:
    """Return the content type judged from the bytes (the name only for plain text)."""
    kind = filetype.guess(head)
    if kind is not None:
        mime = kind.mime
        if mime in IMAGES or mime in DOCUMENTS:
            return mime
        raise ServiceError(_("Ce type de fichier n'est pas accepté (%(type)s). Formats acceptés "
                             ": images (PNG, JPEG, GIF, WebP), PDF, documents bureautiques, "
                             "texte.", type=mime), field="files")
    lowered = head.lstrip().lower()
    if name.lower().endswith(TEXT_NAMES) and not lowered.startswith(MARKUP_PREFIXES):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a cut multi-byte character at the end is fine
                raise ServiceError(_("Ce fichier texte n'est pas en UTF-8."),
                                   field="files") from None
        if b"\x00" not in head:
            return "text/plain"
    raise ServiceError(_("Ce type de fichier n'est pas accepté (SVG, HTML et fichiers inconnus "
                         "sont refusés)."), field="files")


def _reencode(path: str, mime: str) -> None:
    # Re-encoding drops EXIF (GPS position, camera) and whatever else rides in the file.
    try:
        with warnings.catch_warnings():  # Pillow's warning: the size is checked just below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(path)
        with opened as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ServiceError(_(
                    "Cette image est trop grande : %(width)d × %(height)d pixels (%(max)d "
                    "millions de pixels au plus). Réduisez-la puis joignez-la de nouveau.",
                    width=width, height=height, max=MAX_PIXELS // 1_000_000), field="files")
            image.load()
            image = ImageOps.exif_transpose(image)
            if mime == "image/jpeg" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            with open(path, "wb") as out:
                image.save(out, format=IMAGES[mime])
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise ServiceError(_("Cette image est illisible ou trop grande."),
                           field="files") from None


def store_upload(entry: Entry, stream, filename: str | None) -> Attachment:
    """Save one uploaded file for an entry; refuse it whole when it is too big or of a bad type."""
    if len(entry.attachments) >= MAX_ATTACHMENTS_PER_ENTRY:
        raise ServiceError(_("Une entrée a au plus %(max)d pièces jointes.",
                             max=MAX_ATTACHMENTS_PER_ENTRY), field="files")
    attachment = Attachment(**_receive(stream, filename))
    entry.attachments.append(attachment)
    db.session.flush()
    return attachment


def _receive(stream, filename: str | None) -> dict:
    """Check, clean and store one upload; its columns (name, stored_name, type, size, sum)."""
    name = display_name(filename)
    limit = max_bytes()
    handle = storage.temporary_file()
    temp_path = handle.name
    try:
        size = 0
        head = b""
        with handle:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ServiceError(_("« %(name)s » dépasse la taille permise (%(max)d Mo).",
                                         name=name, max=limit // (1024 * 1024)), field="files")
                if len(head) < 8192:
                    head += chunk[: 8192 - len(head)]
                handle.write(chunk)
        if size == 0:
            raise ServiceError(_("« %(name)s » est vide.", name=name), field="files")
        mime = sniff(head, name)
        if mime in IMAGES:
            _reencode(temp_path, mime)
        digest = hashlib.sha256()
        with open(temp_path, "rb") as stored:
            while chunk := stored.read(CHUNK):
                digest.update(chunk)
        size = Path(temp_path).stat().st_size
        stored_name = storage.keep(temp_path)
    except BaseException:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        raise
    return dict(name=name, stored_name=stored_name, content_type=mime, size=size,
                sha256=digest.hexdigest())


# Held uploads: files sent with an editor that did not save (models.HeldUpload) ---------------

HELD_FOR = timedelta(days=1)


def hold_upload(learner: User, stream, filename: str | None) -> HeldUpload:
    """Keep a file sent with an editor that did not save yet, for its next submission."""
    item = HeldUpload(learner_id=learner.id, **_receive(stream, filename))
    db.session.add(item)
    db.session.flush()
    return item


def held_uploads(learner: User, ids: list[int]) -> list[HeldUpload]:
    """The learner's held files among `ids` (anyone else's are not theirs to name)."""
    if not ids:
        return []
    return list(db.session.scalars(select(HeldUpload).where(
        HeldUpload.learner_id == learner.id, HeldUpload.id.in_(ids)).order_by(HeldUpload.id)))


def drop_held(items: list[HeldUpload]) -> None:
    """The learner took these files back before saving: they go once that is committed."""
    for item in items:
        storage.delete_after_commit(item.stored_name)
        db.session.delete(item)
    db.session.flush()


def attach_held(entry: Entry, items: list[HeldUpload]) -> None:
    """Attach held files to the entry now saved (the stored file moves from one row to the
    other; no byte is copied)."""
    if len(entry.attachments) + len(items) > MAX_ATTACHMENTS_PER_ENTRY:
        raise ServiceError(_("Une entrée a au plus %(max)d pièces jointes.",
                             max=MAX_ATTACHMENTS_PER_ENTRY), field="files")
    for item in items:
        if item.learner_id != entry.learner_id:
            raise NotFound()
        entry.attachments.append(Attachment(**{name: getattr(item, name)
                                               for name in StoredFile.FILE_FIELDS}))
        db.session.delete(item)
    db.session.flush()


def purge_held(now: datetime | None = None) -> int:
    """Forget the files held longer than HELD_FOR (an editor left without saving)."""
    items = list(db.session.scalars(select(HeldUpload).where(
        HeldUpload.created_at < (now or utcnow()) - HELD_FOR)))
    drop_held(items)
    return len(items)


def delete_attachment(attachment: Attachment) -> None:
    """Remove an attachment; its file goes once the removal is committed."""
    storage.delete_after_commit(attachment.stored_name)
    attachment.entry.attachments.remove(attachment)
    db.session.delete(attachment)
    db.session.flush()
