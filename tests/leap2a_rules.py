"""The rules Mahara 23.04's Leap2A importer applies (`htdocs/import/leap/lib.php` and its
plugins; `../shared/FORMATS.md`, "Tried on a running Mahara"), as one check over an archive.

`mahara_problems(archive)` lists what Mahara would refuse or lose; an empty list is a pass.
"""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_LEAP = "http://terms.leapspecs.org/"
NS_CATEGORIES = "http://wiki.leapspecs.org/2A/categories/"
VERSION = "http://www.leapspecs.org/2010-07/2A/"
# The rdf:types Mahara's plugins take (anything else is imported as a journal post at best).
MAHARA_TYPES = {"entry", "selection", "resource", "ability", "achievement", "activity",
                "affiliation", "plan", "publication", "person"}
# get_entry_content(): a content of another type aborts the whole import.
CONTENT_TYPES = {"text", "html", "xhtml"}
CATEGORY_SCHEMES = {"selection_type#", "resource_type#", "person_type#", "readiness#",
                    "audience#", "life_area#", "subject#"}
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
A = f"{{{ATOM}}}"


def declared_namespaces(xml: str) -> dict[str, str]:
    """prefix -> URI of the root's declarations (what SimpleXML's getDocNamespaces gives)."""
    head = xml[:xml.index(">", xml.index("<feed")) + 1]
    return {m.group(1) or "": m.group(2)
            for m in re.finditer(r'xmlns(?::([\w.-]+))?="([^"]*)"', head)}


def mahara_problems(archive: zipfile.ZipFile) -> list[str]:
    problems: list[str] = []
    names = set(archive.namelist())
    if "leap2a.xml" not in names:
        return ["no leap2a.xml at the root of the archive"]
    xml = archive.read("leap2a.xml").decode("utf-8")
    if NOT_XML.search(xml):
        problems.append("a character XML cannot hold")
    root = ET.fromstring(xml)  # raises if not well-formed: Mahara stops there too
    if root.tag != f"{A}feed":
        return problems + [f"root is {root.tag}, not an Atom feed"]
    version = root.find(f"{{{NS_LEAP}}}version")
    if version is None or version.text != VERSION:
        problems.append("no <leap2:version> 2010-07: read as the 2009-03 draft")
    namespaces = declared_namespaces(xml)
    for prefix, uri in (("", ATOM), ("rdf", RDF), ("leap2", NS_LEAP),
                        ("categories", NS_CATEGORIES)):
        if namespaces.get(prefix) != uri:
            problems.append(f"namespace {prefix or '(default)'} is not {uri}")
    if "portfolio" not in namespaces:
        problems.append("the portfolio: prefix of the ids is not declared")
    for tag in ("id", "title", "updated"):
        if root.find(f"{A}{tag}") is None:
            problems.append(f"feed without <{tag}>")
    author = root.find(f"{A}author")
    if author is None or not (author.findtext(f"{A}name") or "").strip():
        problems.append("feed author without a name")
    elif not (author.findtext(f"{A}email") or "").strip():
        problems.append("feed author without an email (the account's address is lost)")

    entries = root.findall(f"{A}entry")
    ids = [e.findtext(f"{A}id") for e in entries]
    if len(ids) != len(set(ids)):
        problems.append("two entries share an id")
    known = set(ids)
    for entry in entries:
        ident = entry.findtext(f"{A}id") or "?"
        for tag in ("id", "title", "updated"):
            if not (entry.findtext(f"{A}{tag}") or "").strip() and tag != "title":
                problems.append(f"{ident}: no <{tag}>")
        kind = entry.find(f"{{{RDF}}}type")
        resource = kind.get(f"{{{RDF}}}resource", "") if kind is not None else ""
        if not resource.startswith("leap2:") or resource[6:] not in MAHARA_TYPES:
            problems.append(f"{ident}: rdf:type {resource!r} is not a leap2: type Mahara takes")
            continue
        content = entry.find(f"{A}content")
        if content is not None and content.get("type", "text") not in CONTENT_TYPES:
            problems.append(f"{ident}: content type {content.get('type')} aborts the import")
        if resource == "leap2:entry" and entry.find(f"{A}published") is None:
            problems.append(f"{ident}: no <published>: the post gets the import date")
        for category in entry.findall(f"{A}category"):
            scheme = category.get("scheme")
            if scheme is not None and not (scheme.startswith("categories:")
                                           and scheme[11:] in CATEGORY_SCHEMES):
                problems.append(f"{ident}: category scheme {scheme!r} is not a categories: one")
            if not category.get("term"):
                problems.append(f"{ident}: category without a term")
        for link in entry.findall(f"{A}link"):
            rel, href = link.get("rel", ""), link.get("href", "")
            if rel == "enclosure":
                if href not in names:
                    problems.append(f"{ident}: enclosure {href} is not in the archive")
                if not link.get("type"):
                    problems.append(f"{ident}: enclosure without a type")
            elif rel.startswith("leap2:") or rel == "related":
                if href not in known:
                    problems.append(f"{ident}: {rel} points at {href}, not in the feed")
            elif rel.startswith(("has_", "is_")):
                problems.append(f"{ident}: relation {rel} without its leap2: prefix")
            if rel == "leap2:has_attachment":
                problems.append(f"{ident}: has_attachment (Mahara ignores it; use related)")
        if resource == "leap2:resource" and not any(
                link.get("rel") == "enclosure" for link in entry.findall(f"{A}link")):
            problems.append(f"{ident}: a resource without its file")
    return problems
