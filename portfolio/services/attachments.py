"""Evidence files: bounded, typed from their content, images re-encoded, stored by hash."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import warnings
from pathlib import Path

import filetype
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from portfolio import storage
from portfolio.db import db
from portfolio.models import Attachment, Entry
from portfolio.services import ServiceError
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
    attachment = Attachment(name=name, stored_name=stored_name, content_type=mime, size=size,
                            sha256=digest.hexdigest())
    entry.attachments.append(attachment)
    db.session.flush()
    return attachment


def delete_attachment(attachment: Attachment) -> None:
    """Remove an attachment; its file goes once the removal is committed."""
    storage.delete_after_commit(attachment.stored_name)
    attachment.entry.attachments.remove(attachment)
    db.session.delete(attachment)
    db.session.flush()
