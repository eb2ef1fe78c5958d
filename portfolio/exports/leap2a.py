"""The export's `leap2a.xml`: Leap2A 2010-07, written as Mahara's importer reads it.

What a consumer needs (`../shared/FORMATS.md`, and Mahara's `import/leap/lib.php`):
- `<leap2:version>` with the 2010-07 string, else the feed is read as the 2009 draft and refused;
- the namespaces declared on the feed, with the prefixes `leap2:` and `categories:` that
  importers compare literally in CURIEs (`rdf:resource="leap2:entry"`);
- the person (name, email), and on each entry `<published>` (its date) and `<updated>`;
- files as `leap2:resource` entries with `<link rel="enclosure">` to the file in the archive,
  and a `related` link from the entry (Mahara attaches files by that link);
- compétences as `leap2:ability` entries of a `selection` (`selection_type#Abilities`), linked
  to the entries that show them both ways (`is_evidence_of` / `has_evidence`), and as plain
  `<category>` tags on the entry (what Mahara and PebblePad users see);
- comments as entries that `reflects_on` the entry (the entry is `reflected_on_by` them), with
  the author's name; the "se connaître et s'évaluer" reflection inside the entry's content.
What Leap2A has no word for (kind, context, levels) goes in our own namespace, which other
importers skip. Characters XML cannot hold never reach the document.
"""

from __future__ import annotations

from functools import partial
from html import escape as _escape
from xml.etree import ElementTree as ET

from portfolio.text import NOT_XML

escape = partial(_escape, quote=False)  # text between tags: no need to escape quotes

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LEAP2 = "http://terms.leapspecs.org/"
CATEGORIES = "http://wiki.leapspecs.org/2A/categories/"
XHTML = "http://www.w3.org/1999/xhtml"
PF = "https://portfolio.invalid/ns/leap2a-extension#"  # ours: kind, context, levels
VERSION = "http://www.leapspecs.org/2010-07/2A/"
# Relations and their inverse, as the feed writes both ends.
INVERSE = {"leap2:is_evidence_of": "leap2:has_evidence", "leap2:has_evidence":
           "leap2:is_evidence_of", "leap2:reflects_on": "leap2:reflected_on_by",
           "leap2:reflected_on_by": "leap2:reflects_on", "leap2:has_part": "leap2:is_part_of",
           "leap2:is_part_of": "leap2:has_part"}


def entry_ref(number: int) -> str:
    return f"portfolio:entry{number}"


def ability_ref(key: str) -> str:
    """A compétence's entry, from its key "ing-num:C2.1"."""
    return f"portfolio:ability-{key.replace(':', '-')}"


def _at_noon(day: str) -> str:
    """A date as an Atom instant: midday UTC, so that no time zone moves it to another day."""
    return f"{day}T12:00:00+00:00"


def _name_parts(name: str) -> tuple[str, str]:
    """Given and family name as Mahara asks for them (one field here: the first word, the
    rest); the full name is also written as the preferred name."""
    first, _, rest = name.strip().partition(" ")
    return first, rest or first


class _Feed:
    """The feed being written: entries, each with its links kept in order."""

    def __init__(self, base: str, title: str, updated: str, person: dict):
        ET.register_namespace("", ATOM)
        ET.register_namespace("rdf", RDF)
        ET.register_namespace("leap2", LEAP2)
        ET.register_namespace("pf", PF)
        # `categories:` and `portfolio:` appear only inside attribute values (CURIEs), which
        # ElementTree does not see: they are declared by hand, as importers look them up.
        self.root = ET.Element(f"{{{ATOM}}}feed", {"xmlns:categories": CATEGORIES,
                                                   "xmlns:portfolio": base})
        ET.SubElement(self.root, f"{{{LEAP2}}}version").text = VERSION
        self.text(self.root, "id", base.rstrip("/"))
        self.text(self.root, "title", title)
        self.text(self.root, "updated", updated)
        author = ET.SubElement(self.root, f"{{{ATOM}}}author")
        self.text(author, "name", person["name"])
        if person.get("email"):
            self.text(author, "email", person["email"])
        self.text(author, "uri", "portfolio:person")
        self.updated = updated

    @staticmethod
    def text(parent: ET.Element, tag: str, value: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
        element.text = value
        return element

    def entry(self, kind: str, ident: str, title: str, *, updated: str | None = None,
              published: str | None = None, content: str = "",
              content_type: str = "text") -> ET.Element:
        entry = ET.SubElement(self.root, f"{{{ATOM}}}entry")
        self.text(entry, "id", ident)
        self.text(entry, "title", title)
        self.text(entry, "updated", updated or self.updated)
        if published:
            self.text(entry, "published", published)
        ET.SubElement(entry, f"{{{ATOM}}}content", {"type": content_type}).text = content
        ET.SubElement(entry, f"{{{RDF}}}type", {f"{{{RDF}}}resource": f"leap2:{kind}"})
        return entry

    @staticmethod
    def link(entry: ET.Element, rel: str, href: str, **attributes: str) -> None:
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": rel, "href": href, **attributes})

    @staticmethod
    def category(entry: ET.Element, term: str, scheme: str | None = None,
                 label: str | None = None) -> None:
        attributes = {"term": term}
        if scheme:
            attributes["scheme"] = scheme
        if label:
            attributes["label"] = label
        ET.SubElement(entry, f"{{{ATOM}}}category", attributes)

    def serialise(self) -> str:
        # ElementTree writes any character; XML 1.0 cannot hold some (U+FFFE, most controls):
        # text stored before they were refused at input, or from an imported référentiel, must
        # not make the document unreadable. They cannot be part of the markup, so dropping them
        # from the serialised text only touches the text.
        return NOT_XML.sub("", ET.tostring(self.root, encoding="unicode",
                                           xml_declaration=True))


def _content_html(data: dict, reflection_labels: dict[str, str], heading: str) -> str:
    """The entry's body, then its reflection under its own heading (HTML, escaped as text)."""
    parts = [data["body_html"]]
    reflection = [(key, value) for key, value in data["reflection"].items() if value]
    if reflection:
        parts.append(f"<h2>{escape(heading)}</h2>")
        for key, value in reflection:
            paragraphs = "".join(f"<p>{escape(p)}</p>" for p in value.split("\n\n") if p.strip())
            parts.append(f"<h3>{escape(reflection_labels.get(key, key))}</h3>{paragraphs}")
    return "\n".join(parts)


def write_leap2a(model: dict, *, reflection_labels: dict[str, str] | None = None,
                 reflection_heading: str = "Se connaître et s'évaluer",
                 kind_labels: dict[str, str] | None = None) -> str:
    """The Leap2A feed of an export model (labels in the learner's language)."""
    learner = model["learner"]
    stamp = model["generated_at"].replace(":", "").replace("-", "").split(".")[0]
    base = f"urn:x-portfolio:learner{learner['id']}:export{stamp}:"
    feed = _Feed(base, f"Portfolio — {learner['name']}", model["generated_at"], learner)
    kind_labels = kind_labels or {}

    person = feed.entry("person", "portfolio:person", learner["name"])
    feed.category(person, "Self", "categories:person_type#")
    given, family = _name_parts(learner["name"])
    for field, value in (("legal_given_name", given), ("legal_family_name", family),
                         ("preferred_name", learner["name"]), ("email", learner["email"])):
        if value:
            ET.SubElement(person, f"{{{LEAP2}}}persondata",
                          {f"{{{LEAP2}}}field": field}).text = value

    shown = {e["id"] for e in model["entries"]}
    abilities: set[str] = set()
    for framework in model["frameworks"]:
        selection_id = f"portfolio:framework-{framework['code']}"
        selection = feed.entry("selection", selection_id, framework["title"],
                               content=f"{framework['code']} · version {framework['version']}")
        feed.category(selection, "Abilities", "categories:selection_type#")
        for block in framework["blocks"]:
            for competency in block["competencies"]:
                ability_id = ability_ref(competency["key"])
                abilities.add(ability_id)
                feed.link(selection, "leap2:has_part", ability_id)
                ability = feed.entry("ability", ability_id,
                                     f"{competency['code']} {competency['title']}",
                                     content="\n".join(competency["criteria"]))
                feed.link(ability, "leap2:is_part_of", selection_id)
                ET.SubElement(ability, f"{{{PF}}}competency",
                              {"framework": framework["code"], "code": competency["code"],
                               "block": block["code"]})
                for source in ("self", "referent"):
                    level = competency[source]
                    if level:
                        ET.SubElement(ability, f"{{{PF}}}level", {
                            "source": source, "value": str(level["level"]),
                            "label": level["label"], "at": level["at"] or ""})
                for evidence in competency["evidence"]:
                    if evidence in shown:
                        feed.link(ability, "leap2:has_evidence", entry_ref(evidence))

    for data in model["entries"]:
        ident = entry_ref(data["id"])
        entry = feed.entry(
            "entry", ident, data["title"], updated=data["updated_at"] or model["generated_at"],
            published=_at_noon(data["occurred_on"]), content_type="html",
            content=_content_html(data, reflection_labels or {}, reflection_heading))
        ET.SubElement(entry, f"{{{PF}}}kind", {"value": data["kind"]}).text = \
            kind_labels.get(data["kind"], data["kind"])
        if data["context"]:
            ET.SubElement(entry, f"{{{PF}}}context").text = data["context"]
        # the Markdown as written and the reflection by field: what our own import reads back
        ET.SubElement(entry, f"{{{PF}}}body").text = data["body"]
        for key, value in data["reflection"].items():
            ET.SubElement(entry, f"{{{PF}}}reflection", {"field": key}).text = value
        for competency in data["competencies"]:
            code = competency["key"].split(":", 1)[1]
            if ability_ref(competency["key"]) in abilities:  # a référentiel still followed
                feed.link(entry, "leap2:is_evidence_of", ability_ref(competency["key"]))
            feed.category(entry, code, label=f"{code} {competency['title']}"[:255])
        for keyword in data.get("keywords", []):
            feed.category(entry, keyword)  # a tag, as Mahara writes them (no scheme)
        for attachment in data["attachments"]:
            if not attachment["path"]:
                continue  # files left out of the export: no resource pointing at nothing
            resource_id = f"portfolio:resource{attachment['id']}"
            feed.link(entry, "related", resource_id)
            resource = feed.entry("resource", resource_id, attachment["name"],
                                  updated=data["updated_at"] or model["generated_at"],
                                  published=_at_noon(data["occurred_on"]))
            feed.category(resource, "Offline", "categories:resource_type#", "File")
            feed.link(resource, "enclosure", attachment["path"],
                      type=attachment["content_type"], length=str(attachment["size"]))
        for comment in data["feedback"]:
            comment_id = f"portfolio:comment{comment['id']}"
            feed.link(entry, "leap2:reflected_on_by", comment_id)
            item = feed.entry("entry", comment_id, f"Re: {data['title']}"[:255],
                              updated=comment["at"], published=comment["at"],
                              content_type="html", content=comment["body_html"])
            author = ET.SubElement(item, f"{{{ATOM}}}author")
            feed.text(author, "name", comment["author"] or "—")
            feed.link(item, "leap2:reflects_on", ident)
    return feed.serialise()
