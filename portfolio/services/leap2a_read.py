"""A Leap2A feed read into plain items: what each entry is, and how they link.

Types, relations and category schemes are read by their local part (`leap2:entry`,
`has_part` or `leap2:has_part`, a full URI...), whatever prefix or namespace URI the producer
declared: Mahara writes archived namespace URIs, older feeds the 2009 draft's.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element

from flask_babel import gettext as _
from sqlalchemy import select

from portfolio.db import db
from portfolio.models import Competency, Framework, User
from portfolio.services.enrolments import enrolled_competency_ids
from portfolio.text import clean_name

ATOM = "{http://www.w3.org/2005/Atom}"
PF = "{https://portfolio.invalid/ns/leap2a-extension#}"
MAX_REPLY_DEPTH = 50
RESUME_TYPES = {"achievement", "activity", "affiliation", "publication", "plan", "meeting",
                "organization", "place"}


def local(name: str | None) -> str:
    """The local part of a CURIE, a URI or a Clark name: "leap2:has_part" -> "has_part"."""
    return re.split(r"[:#/}]", name or "")[-1]


def _order(value: datetime | None) -> float:
    """Oldest first, undated last (aware and naive dates compare through their timestamp)."""
    return value.timestamp() if value else float("inf")


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class Item:
    id: str
    kind: str  # the rdf:type's local part: entry, selection, resource, person...
    mahara: str | None  # Mahara's artefact type (blogpost, comment, file...), if written
    title: str
    published: datetime | None
    content: Element | None
    links: list[tuple[str, str, dict]] = field(default_factory=list)  # (rel, href, attributes)
    categories: list[tuple[str, str, str]] = field(default_factory=list)  # (term, scheme, label)
    author: str | None = None
    element: Element | None = None

    def linked(self, *rels: str) -> list[str]:
        return [href for rel, href, _attrs in self.links if rel in rels]

    def category(self, scheme: str) -> str | None:
        return next((term for term, s, _label in self.categories if s == scheme), None)

    @property
    def draft(self) -> bool:
        return self.category("readiness") == "Unready"

    @property
    def private(self) -> bool:
        return self.category("audience") == "Private"

    def ext(self, name: str) -> Element | None:
        """One of our own extension elements (our export's kind, context, body...)."""
        return self.element.find(f"{PF}{name}") if self.element is not None else None

    @property
    def kind_of_entry(self) -> str | None:
        found = self.ext("kind")
        return found.get("value") if found is not None else None

    @property
    def reflection(self) -> dict[str, str]:
        if self.element is None:
            return {}
        return {r.get("field", ""): r.text or "" for r in self.element.findall(f"{PF}reflection")}


def _item(element: Element) -> Item | None:
    ident = (element.findtext(f"{ATOM}id") or "").strip()
    if not ident:
        return None
    rdf_type = next((child for child in element if local(child.tag) == "type"), None)
    kind = local(next(iter(rdf_type.attrib.values()), "")) if rdf_type is not None else "entry"
    plugin = next((child for child in element if local(child.tag) == "artefactplugin"), None)
    mahara = next((v for k, v in plugin.attrib.items() if local(k) == "type"), None) \
        if plugin is not None else None
    item = Item(
        id=ident[:300], kind=kind or "entry", mahara=mahara,
        title=clean_name(element.findtext(f"{ATOM}title") or "") or "",
        published=_when(element.findtext(f"{ATOM}published"))
        or _when(element.findtext(f"{ATOM}updated")),
        content=element.find(f"{ATOM}content"),
        author=clean_name(element.findtext(f"{ATOM}author/{ATOM}name") or "") or None,
        element=element)
    for link in element.findall(f"{ATOM}link"):
        if link.get("href"):
            item.links.append((local(link.get("rel", "")), link.get("href", "").strip(),
                               dict(link.attrib)))
    for category in element.findall(f"{ATOM}category"):
        scheme = category.get("scheme")
        item.categories.append((category.get("term") or "",
                                local((scheme or "").rstrip("#")) if scheme else "",
                                clean_name(category.get("label") or "") or ""))
    return item


@dataclass
class Feed:
    items: dict[str, Item]
    posts: list[Item]
    comments: list[Item]
    skipped: Counter

    def context_of(self, post: Item) -> str:
        """Our export's context, else the journal the post belongs to."""
        ours = post.ext("context")
        if ours is not None and ours.text:
            return clean_name(ours.text) or ""
        for item in self.items.values():
            if item.kind == "selection" and item.category("selection_type") == "Blog" \
                    and post.id in item.linked("has_part"):
                return _("Journal « %(title)s »", title=item.title)
        for href in post.linked("is_part_of"):
            journal = self.items.get(href)
            if journal is not None and journal.kind == "selection" and journal.title:
                return _("Journal « %(title)s »", title=journal.title)
        return ""

    def _abilities(self, post: Item) -> list[Element]:
        """Our export's compétences the post is evidence of."""
        found = []
        for href in post.linked("is_evidence_of"):
            ability = self.items.get(href)
            if ability is not None and (mark := ability.ext("competency")) is not None:
                found.append(mark)
        return found

    def keywords_of(self, post: Item) -> list[str]:
        """Its tags (the label when there is one: Mahara's term loses its accents), but not
        our export's compétence codes, which come back as compétences."""
        codes = {mark.get("code") for mark in self._abilities(post)}
        return [label or term for term, scheme, label in post.categories
                if not scheme and (label or term) and term not in codes]

    def competency_ids(self, learner: User, post: Item) -> list[int]:
        """The compétences of our export's abilities that the learner still follows."""
        wanted = [(m.get("framework"), m.get("code")) for m in self._abilities(post)]
        if not wanted:
            return []
        enrolled = enrolled_competency_ids(learner.id)
        rows = db.session.execute(
            select(Competency.id, Framework.code, Competency.code)
            .join(Framework, Competency.framework_id == Framework.id)
            .where(Competency.id.in_(enrolled))).all()
        by_key = {(fw, code): cid for cid, fw, code in rows}
        return list(dict.fromkeys(by_key[k] for k in wanted if k in by_key))

    def target_of(self, comment: Item) -> str | None:
        """The entry a comment is about, through the comments it answers."""
        current = comment
        for _depth in range(MAX_REPLY_DEPTH):
            about = current.linked("reflects_on")
            if about:
                return about[0]
            parents = [self.items[h] for h in current.linked("is_part_of") if h in self.items]
            if not parents:
                return None
            current = parents[0]
        return None

    def comments_on(self, post: Item) -> list[Item]:
        found = [c for c in self.comments if self.target_of(c) == post.id]
        return sorted(found, key=lambda c: _order(c.published))

    def comments_elsewhere(self) -> Counter:
        posts = {p.id for p in self.posts}
        return Counter("comment_elsewhere" for c in self.comments
                       if self.target_of(c) not in posts)


def read_feed(root: Element) -> Feed:
    """Sort the feed's entries into posts, comments and the rest (counted by kind)."""
    items = {}
    for element in root.findall(f"{ATOM}entry"):
        item = _item(element)
        if item is not None and item.id not in items:
            items[item.id] = item
    posts, comments, skipped = [], [], Counter()
    for item in items.values():
        if item.kind == "entry":
            if item.mahara in ("annotation", "annotationfeedback"):
                skipped[item.mahara] += 1
            elif item.mahara == "comment" or item.linked("reflects_on") or (
                    item.linked("is_part_of") and any(
                        items.get(h) is not None and items[h].kind == "entry"
                        and items[h].mahara != "blogpost" for h in item.linked("is_part_of"))):
                comments.append(item)
            else:
                posts.append(item)
        elif item.kind == "selection":
            kind = item.category("selection_type") or ""
            if kind != "Blog":
                skipped[{"Webpage": "page", "Website": "collection",
                         "Abilities": "framework"}.get(kind, "selection")] += 1
        elif item.kind == "resource":
            continue  # counted when attached, or as a file alone by the importer
        elif item.kind == "person":
            skipped["profile"] += 1
        elif item.kind == "ability":
            skipped["ability"] += 1
        else:
            skipped["resume" if item.kind in RESUME_TYPES else "other"] += 1
    posts.sort(key=lambda p: (_order(p.published), p.id))
    return Feed(items=items, posts=posts, comments=comments, skipped=skipped)
