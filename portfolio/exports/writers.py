"""PDF, ZIP (with Leap2A and SHA256SUMS) and JSON from the export model."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree as ET

from portfolio import storage
from portfolio.exports.html import write_html
from portfolio.models import Attachment
from portfolio.text import NOT_XML

CHUNK = 1024 * 1024
ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LEAP2 = "http://terms.leapspecs.org/"
CATEGORIES = "http://wiki.leapspecs.org/2A/categories"
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
    """A Leap2A feed: entries as `entry`, compétences as `ability`, each framework as a
    `selection` of its abilities, attachments as `resource`."""
    ET.register_namespace("", ATOM)
    ET.register_namespace("rdf", RDF)
    ET.register_namespace("leap2", LEAP2)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"portfolio:learner:{model['learner']['id']}"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"Portfolio — {model['learner']['name']}"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = model["generated_at"]
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = model["learner"]["name"]

    def item(kind: str, ident: str, title: str, updated: str) -> ET.Element:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = ident
        ET.SubElement(entry, f"{{{ATOM}}}title").text = title
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = updated
        ET.SubElement(entry, f"{{{RDF}}}type", {f"{{{RDF}}}resource": f"leap2:{kind}"})
        return entry

    def link(entry: ET.Element, rel: str, href: str) -> None:
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": f"leap2:{rel}", "href": href})

    now = model["generated_at"]
    for framework in model["frameworks"]:
        selection = item("selection", f"portfolio:framework:{framework['code']}",
                         framework["title"], now)
        ET.SubElement(selection, f"{{{ATOM}}}category",
                      {"term": "Competency_framework", "scheme": f"{CATEGORIES}/selection_type#"})
        for block in framework["blocks"]:
            for competency in block["competencies"]:
                ability_id = f"portfolio:ability:{competency['key']}"
                link(selection, "has_part", ability_id)
                ability = item("ability", ability_id,
                               f"{competency['code']} {competency['title']}", now)
                ET.SubElement(ability, f"{{{ATOM}}}content", {"type": "text"}).text = \
                    "\n".join(competency["criteria"])
                link(ability, "is_part_of", f"portfolio:framework:{framework['code']}")
                for entry_id in competency["evidence"]:
                    link(ability, "is_supported_by", f"portfolio:entry:{entry_id}")
    for data in model["entries"]:
        entry = item("entry", f"portfolio:entry:{data['id']}", data["title"],
                     data["updated_at"] or now)
        ET.SubElement(entry, f"{{{ATOM}}}content", {"type": "html"}).text = data["body_html"]
        ET.SubElement(entry, f"{{{LEAP2}}}date", {f"{{{LEAP2}}}point": "start"}).text = \
            data["occurred_on"]
        for competency in data["competencies"]:
            link(entry, "is_evidence_of", f"portfolio:ability:{competency['key']}")
        for attachment in data["attachments"]:
            resource_id = f"portfolio:resource:{attachment['id']}"
            link(entry, "has_attachment", resource_id)
            resource = item("resource", resource_id, attachment["name"], now)
            attrs = {"type": attachment["content_type"]}
            if attachment["path"]:
                attrs["src"] = attachment["path"]
            ET.SubElement(resource, f"{{{ATOM}}}content", attrs)
    # ElementTree writes any character; XML 1.0 cannot hold some (U+FFFE, most controls): text
    # stored before they were cleaned at input, or from an imported référentiel, must not make
    # the whole document unreadable. They cannot be part of the markup, so dropping them from
    # the serialised text only touches the text.
    return NOT_XML.sub("", ET.tostring(feed, encoding="unicode", xml_declaration=True))


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
