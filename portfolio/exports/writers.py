"""PDF, ZIP (with Leap2A and SHA256SUMS) and JSON from the export model."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import BinaryIO

from portfolio import storage
from portfolio.exports.html import write_html
from portfolio.models import Attachment

CHUNK = 1024 * 1024
SCHEMA = Path(__file__).with_name("portfolio.schema.json")


def write_json(model: dict) -> str:
    return json.dumps(model, ensure_ascii=False, indent=2)


def _fetcher():
    """WeasyPrint fetches nothing from an export (no SSRF, no file read): the only resources
    are the learner's own images, inlined by write_pdf as data: URLs."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False)


MAX_INLINE_IMAGE = 8 * 1024 * 1024  # larger evidence images are listed, not drawn


def write_pdf(model: dict, out: BinaryIO, paths: dict[int, Path] | None = None) -> None:
    """The same content as the HTML file, as a PDF (WeasyPrint, no browser); the images
    attached to entries are drawn in it, scaled to the page."""
    import base64

    from weasyprint import HTML

    if paths is None:
        paths = attachment_paths(model)

    def inline(item: dict) -> str | None:
        path = paths.get(item["id"])
        if not item["content_type"].startswith("image/") or path is None or \
                not path.exists() or path.stat().st_size > MAX_INLINE_IMAGE:
            return None
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"data:{item['content_type']};base64,{data}"

    HTML(string=write_html(model, inline, images_only=True), url_fetcher=_fetcher(),
         base_url=None).write_pdf(out)


def write_leap2a(model: dict) -> str:
    """The Leap2A feed, with the labels in the current language (see exports/leap2a.py)."""
    from flask_babel import gettext as _

    from portfolio import vocabulary
    from portfolio.exports import leap2a

    return leap2a.write_leap2a(
        model, reflection_labels={k: str(v) for k, v in vocabulary.REFLECTION.items()},
        reflection_heading=_("Se connaître et s'évaluer"),
        kind_labels={k: str(v) for k, v in vocabulary.KINDS.items()})


def write_zip(model: dict, out: BinaryIO, paths: dict[int, Path] | None = None) -> None:
    """HTML, attachments, portfolio.json, leap2a.xml and SHA256SUMS, streamed file by file:
    attachments are copied from disk in chunks, never held whole in memory. `paths` (from
    `attachment_paths`) spares the database while writing."""
    paths = paths if paths is not None else attachment_paths(model)
    sums: list[tuple[str, str]] = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def add_text(name: str, text: str) -> None:
            data = text.encode("utf-8")
            archive.writestr(name, data)
            sums.append((hashlib.sha256(data).hexdigest(), name))

        include = model["options"]["include_attachments"]
        add_text("portfolio.html", write_html(
            model, (lambda a: a["path"]) if include else None))
        add_text("portfolio.json", write_json(model))
        add_text("leap2a.xml", write_leap2a(model))
        add_text("portfolio.schema.json", SCHEMA.read_text(encoding="utf-8"))
        if include:
            for entry in model["entries"]:
                for attachment in entry["attachments"]:
                    stored = paths[attachment["id"]]
                    digest = hashlib.sha256()
                    with open(stored, "rb") as source, \
                            archive.open(attachment["path"], "w", force_zip64=True) as target:
                        while chunk := source.read(CHUNK):
                            digest.update(chunk)
                            target.write(chunk)
                    sums.append((digest.hexdigest(), attachment["path"]))
        archive.writestr("SHA256SUMS", "".join(f"{h}  {n}\n" for h, n in sums))


def attachment_paths(model: dict) -> dict[int, Path]:
    """Where each attachment of the model is on disk (one query)."""
    from sqlalchemy import select

    from portfolio.db import db

    ids = [a["id"] for entry in model["entries"] for a in entry["attachments"]]
    if not model["options"]["include_attachments"] or not ids:
        return {}
    return {row.id: storage.path_of(row.stored_name) for row in db.session.execute(
        select(Attachment.id, Attachment.stored_name).where(Attachment.id.in_(ids)))}
