"""France Compétences' RNCP XML (flux V4.1) to référentiels in our framework file format.

The national file is about 570 MB: it is streamed (iterparse, each FICHE dropped once read),
through defusedxml (no DTD, no entity). A fiche becomes a référentiel: code from its number
(`rncp35419`), title `INTITULE`, version from its dates, source naming the fiche and its
certificateurs; each `BLOC_COMPETENCES` a bloc with its `CODE` (`RNCP35419BC01`) and
`LIBELLE`, `MODALITES_EVALUATION` as its assessment methods, and `LISTE_COMPETENCES` split into
compétences by `split_competences()`. A fiche without blocs (the RS) is refused.

The split: that text is one field whose items are separated by runs of spaces (the HTML was
stripped) or, in older feeds, by `<li>`/`<br>`; an item may start with `- `, `* `, `•`,
`C.1.`, `A1C1.`, `1.1`, `1.1.1` or nothing. A numbered sub-item (`1.1.1` under `1.1`) is a
criterion of its parent, not a compétence; a code in the text is kept as the compétence's
code, else `BC01.1`, `BC01.2`...; a piece that starts in lower case continues the item before.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from flask_babel import gettext as _

from portfolio.models import DEFAULT_SCALE
from portfolio.services import ServiceError
from portfolio.text import clean_text

MAX_COMPETENCY_TITLE = 2000
# Item separators: a run of 2+ spaces (what the stripped HTML left), line breaks, list tags.
_HTML_BREAK = re.compile(r"<\s*(?:br|/?li|/?p|/?ul|/?ol|/?div)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,200}>")
_SEPARATOR = re.compile(r"\s{2,}|\n|(?:^|\s)[•▪◦●■➢➤►]\s*")
_MARKER = re.compile(r"^(?:[-*•–—·▪◦●■➢➤►o]\s+|[-*•–—▪◦●■➢➤►](?=\S))")
# A code at the start of an item: "C.1.", "C1.", "A1C1.", "1.1", "1.1.1", "1)", "BC01.2 -".
_CODE = re.compile(r"^(?P<code>(?:[A-Z]{1,4}\.?)?\d{1,3}(?:[.\-]?[A-Z]{0,2}\d{1,3}){0,4})"
                   r"(?P<end>[.):]|\s*[-–:])?\s+(?P<rest>\S.*)$", re.DOTALL)


class RncpRefused(ServiceError):
    """The file or the fiche cannot become a référentiel; the message says why."""


@dataclass
class Item:
    code: str | None
    title: str
    criteria: list[str] = field(default_factory=list)


def _is_code(code: str, end: str | None) -> bool:
    """A numbering, not the start of a sentence ("2024 marque..." is not one)."""
    return bool(re.search(r"[A-Z]", code) or "." in code.strip(".") or end)


def _pieces(text: str) -> list[str]:
    text = _HTML_BREAK.sub("\n", text)
    text = html.unescape(_TAG.sub(" ", text))
    return [p.strip() for p in _SEPARATOR.split(text) if p and p.strip()]


def split_competences(text: str | None) -> list[Item]:
    """The compétences of a bloc's `LISTE_COMPETENCES`, with their criteria (see above)."""
    items: list[Item] = []
    by_code: dict[str, Item] = {}
    for piece in _pieces(text or ""):
        piece = _MARKER.sub("", piece).strip()
        if not piece.strip(" -*•.;"):
            continue
        code = None
        match = _CODE.match(piece)
        if match and _is_code(match.group("code"), match.group("end")):
            code, piece = match.group("code").rstrip(".-"), match.group("rest").strip()
        if code is None and items and piece[:1].islower():
            items[-1].title = f"{items[-1].title} {piece}"  # the item before, broken in two
            continue
        parent = _parent(code, by_code) if code else None
        if parent is not None:
            parent.criteria.append(piece)
            by_code[code] = parent
            continue
        item = Item(code, piece)
        items.append(item)
        if code:
            by_code[code] = item
    return items


def _parent(code: str, known: dict[str, Item]) -> Item | None:
    """The compétence a numbered sub-item belongs to ("1.1.1" -> "1.1"; "C.1.2" -> "C.1")."""
    head = re.sub(r"[.\-]?[A-Z]{0,2}\d{1,3}$", "", code)
    return known.get(head) if head and head != code else None


def _date(value: str | None) -> date | None:
    try:
        day, month, year = (int(p) for p in (value or "").strip().split("/"))
        return date(year, month, day)
    except ValueError:
        return None


def _text(element: Element, path: str) -> str:
    return clean_text(html.unescape(_TAG.sub(" ", element.findtext(path) or ""))) or ""


def fiche_to_framework(fiche: Element) -> dict:
    """One FICHE as a référentiel in the framework file format (not yet validated)."""
    number = _text(fiche, "NUMERO_FICHE").upper()
    if not re.fullmatch(r"RNCP\d{3,6}", number):
        raise RncpRefused(_("Fiche sans numéro RNCP lisible (« %(n)s ») : ignorée.",
                            n=number[:30]))
    blocs = fiche.findall("BLOCS_COMPETENCES/BLOC_COMPETENCES")
    if not blocs:
        raise RncpRefused(_("La fiche %(n)s n'a pas de blocs de compétences : rien à importer "
                            "(les fiches du répertoire spécifique n'en ont pas).", n=number))
    dates = [d for d in (_date(fiche.findtext(k)) for k in (
        "DATE_EFFET", "DATE_DE_PUBLICATION", "DATE_DECISION")) if d]
    certifiers = [_text(c, "NOM_CERTIFICATEUR") for c in fiche.findall(
        "CERTIFICATEURS/CERTIFICATEUR")]
    source = _("France Compétences, fiche %(n)s", n=number)
    if certifiers := [c for c in certifiers if c]:
        source += " — " + ", ".join(dict.fromkeys(certifiers))
    blocks, used = [], set()
    for bloc in blocs:
        code = _text(bloc, "CODE") or f"{number}BC{len(blocks) + 1:02d}"
        short = re.sub(rf"^{number}", "", code) or code
        competencies = []
        for index, item in enumerate(split_competences(bloc.findtext("LISTE_COMPETENCES")), 1):
            ccode = item.code or f"{short}.{index}"
            if ccode in used:  # numbering that starts again in each bloc
                ccode = f"{short}-{ccode}"
            used.add(ccode)
            competencies.append({"code": ccode[:40], "title": item.title[:MAX_COMPETENCY_TITLE],
                                 "criteria": item.criteria})
        methods = _text(bloc, "MODALITES_EVALUATION")
        blocks.append({"code": code[:40], "kind": "bloc",
                       "title": _text(bloc, "LIBELLE") or code,
                       **({"assessment_methods": [methods]} if methods else {}),
                       "competencies": competencies})
    return {"code": number.lower(), "title": _text(fiche, "INTITULE") or number,
            "version": (dates[0].isoformat() if dates else number), "language": "fr",
            "source": source, "scale": [dict(s) for s in DEFAULT_SCALE], "blocks": blocks}


def iter_fiches(stream, wanted: str | None = None) -> Iterator[Element]:
    """Each FICHE of a flux (or only the one numbered `wanted`), read as a stream."""
    wanted = (wanted or "").strip().upper() or None
    try:
        for _event, element in SafeET.iterparse(stream, events=("end",), forbid_dtd=True,
                                                forbid_entities=True, forbid_external=True):
            if element.tag != "FICHE":
                continue
            if wanted is None or (element.findtext("NUMERO_FICHE") or "").strip().upper() \
                    == wanted:
                yield element
            element.clear()
    except DefusedXmlException as error:
        raise RncpRefused(_("Le fichier déclare des entités ou une DTD : refusé par "
                            "sécurité.")) from error
    except SafeET.ParseError as error:
        raise RncpRefused(_("Ce fichier n'est pas du XML bien formé (%(where)s).",
                            where=str(error)[:120])) from error


@dataclass
class FicheResult:
    number: str
    framework: dict | None = None  # the référentiel as read (validated)
    status: str = ""  # created, updated, unchanged, or "" when refused
    problems: list[str] = field(default_factory=list)

    @property
    def counts(self) -> tuple[int, int]:
        blocks = (self.framework or {}).get("blocks", [])
        return len(blocks), sum(len(b["competencies"]) for b in blocks)


def read_fiches(stream, wanted: str | None = None) -> list[FicheResult]:
    """The fiches of a flux as référentiels, checked but not saved (for review)."""
    from portfolio.services import framework_format as fmt

    results = []
    for fiche in iter_fiches(stream, wanted):
        result = FicheResult((fiche.findtext("NUMERO_FICHE") or "?").strip())
        try:
            result.framework = fmt.validate(fiche_to_framework(fiche))
        except fmt.FrameworkInvalid as invalid:
            result.problems = list(invalid.errors)
        except RncpRefused as refused:
            result.problems = [refused.message]
        results.append(result)
    if wanted and not results:
        raise RncpRefused(_("Aucune fiche %(n)s dans ce fichier.", n=wanted.upper()))
    if not results:
        raise RncpRefused(_("Aucune fiche RNCP dans ce fichier (est-ce bien le flux V4.1 de "
                            "France Compétences ?)."))
    return results


def import_fiches(stream, wanted: str | None = None, *, force: bool = False
                  ) -> list[FicheResult]:
    """Read and save each fiche with blocs as a référentiel (each on its own: one refused
    does not stop the others); the usual versioning rules apply to a fiche seen before."""
    from portfolio.db import db
    from portfolio.services import framework_format as fmt
    from portfolio.services.frameworks import import_framework

    results = read_fiches(stream, wanted)
    for result in results:
        if result.framework is None:
            continue
        try:
            with db.session.begin_nested():
                result.status = import_framework(result.framework, force=force).status
        except fmt.FrameworkInvalid as invalid:
            result.problems = list(invalid.errors)
    return results
