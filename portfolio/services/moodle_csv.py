"""Moodle's competency framework CSV (`admin/tool/lpimportcsv`), in and out.

Fourteen columns read by position: Parent ID number, ID number, Short name, Description,
Description format, Scale values, Scale configuration, Rule type, Rule outcome, Rule config,
Cross-referenced competency ID numbers, Exported ID, Is framework, Taxonomy. The framework row
(Is framework = 1) carries the scale; the rows below form a tree by `Parent ID number`:
bloc -> compétence -> critère (taxonomy "domain,competency,indicator"). A file of only two
levels gives one bloc holding every compétence; deeper levels become criteria of their
compétence. A bloc's transversal sub-blocks (`mobilises`) are its cross-references.

What Moodle has no column for (a bloc's kind, activities, jobs and assessment methods; the
référentiel's version, language and source; exact scale values) rides in an HTML comment of
the description (`<!--portfolio {...}-->`), which Moodle keeps and shows nobody: our own file
comes back the same; a file written in Moodle is read from its columns alone.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

from flask_babel import gettext as _

HEADER = ["Parent ID number", "ID number", "Short name", "Description", "Description format",
          "Scale values", "Scale configuration", "Rule type (optional)",
          "Rule outcome (optional)", "Rule config (optional)",
          "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework",
          "Taxonomy"]
HTML, PLAIN = "1", "2"
SHORT = 100
_EXTRA = re.compile(r"<!--portfolio (\{.*?\})-->", re.DOTALL)
_CODE_BAD = re.compile(r"[^A-Za-z0-9._-]+")


def _row(parent="", idnumber="", short="", description="", fmt=PLAIN, scale="", config="",
         related="", framework="", taxonomy="") -> list[str]:
    return [parent, idnumber, short[:SHORT], description, fmt, scale, config, "",
            "" if framework else "0", "" if framework else "null", related, "", framework,
            taxonomy]


def _with_extra(visible: str, extra: dict) -> str:
    return visible + f"<!--portfolio {json.dumps(extra, ensure_ascii=False)}-->"


def export_csv(data: dict) -> str:
    """The référentiel (framework file format) as Moodle's CSV."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(HEADER)
    scale = data.get("scale") or []
    top = max((s["value"] for s in scale), default=0)
    config = [{"scaleid": "0"}] + [
        {"id": i, "scaledefault": int(i == 1), "proficient": int(s["value"] >= max(top - 1, 1))}
        for i, s in enumerate(scale, 1)]
    writer.writerow(_row(
        idnumber=data["code"], short=data["title"], fmt=HTML,
        description=_with_extra(f"<p>{html.escape(data['title'])}</p>"
                                f"<p>{html.escape(data.get('source') or '')}</p>", {
                                    "title": data["title"], "version": data["version"],
                                    "language": data.get("language"),
                                    "source": data.get("source"), "scale": scale}),
        scale=",".join(s["label"].replace(",", "%2C") for s in scale),
        config=json.dumps(config), framework="1", taxonomy="domain,competency,indicator"))
    for block in data["blocks"]:
        parts = [f"<p>{html.escape(block['title'])}</p>"]
        if block.get("activities"):
            parts.append(f"<p>{html.escape(block['activities'])}</p>")
        for label, items in ((_("Modalités d'évaluation"), block.get("assessment_methods")),
                             (_("Métiers"), block.get("jobs"))):
            if items:
                parts.append(f"<p>{html.escape(label)}</p><ul>"
                             + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
        extra = {k: block.get(k) for k in ("kind", "title", "activities", "jobs",
                                           "assessment_methods") if block.get(k)}
        writer.writerow(_row(idnumber=block["code"], short=block["title"], fmt=HTML,
                             description=_with_extra("".join(parts), extra),
                             related=",".join(m.replace(",", "%2C")
                                              for m in block.get("mobilises") or [])))
        for competency in block["competencies"]:
            writer.writerow(_row(parent=block["code"], idnumber=competency["code"],
                                 short=f"{competency['code']} {competency['title']}",
                                 description=competency["title"]))
            for n, criterion in enumerate(competency.get("criteria") or [], 1):
                writer.writerow(_row(parent=competency["code"],
                                     idnumber=f"{competency['code']}-k{n}",
                                     short=criterion, description=criterion))
    return out.getvalue()


def looks_like_moodle(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0].lower()
    return "parent id number" in first and "id number" in first.replace("parent id number", "")


def _text(description: str, fmt: str) -> str:
    """A description as plain text (without our comment)."""
    description = _EXTRA.sub("", description or "")
    if fmt == PLAIN:
        return description.strip()
    text = re.sub(r"<\s*(?:br|/p|/li|/div)\s*/?>", "\n", description, flags=re.IGNORECASE)
    return html.unescape(re.sub(r"<[^>]{0,500}>", "", text)).strip()


def _extra(description: str) -> dict:
    match = _EXTRA.search(description or "")
    try:
        found = json.loads(match.group(1)) if match else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _code(raw: str, used: set[str], fallback: str) -> str:
    code = _CODE_BAD.sub("-", raw.strip()).strip("-._")[:40] or fallback
    base, n = code, 2
    while code in used or not code[0].isalnum():
        code, n = f"{base[:36]}-{n}", n + 1
        if not code[0].isalnum():
            code = f"C{code}"
    used.add(code)
    return code


def parse_csv(text: str) -> dict:
    """A Moodle framework CSV as the framework file format (to be validated by the caller)."""
    from portfolio.services.framework_format import FrameworkInvalid

    try:  # Moodle's import form offers several separators: the header line tells which
        delimiter = csv.Sniffer().sniff(text[:4096].split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    rows = [r + [""] * (14 - len(r))
            for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(r)]
    if rows and looks_like_moodle(",".join(rows[0])):
        rows = rows[1:]
    framework = next((r for r in rows if r[12].strip() == "1"), None)
    if framework is None:
        raise FrameworkInvalid([_("CSV Moodle : aucune ligne « Is framework » = 1 (la ligne du "
                                  "référentiel).")])
    extra = _extra(framework[3])
    labels = [v.replace("%2C", ",").strip() for v in framework[5].split(",") if v.strip()]
    scale = extra.get("scale") or [{"value": i, "label": label} for i, label in enumerate(labels)]
    nodes = [r for r in rows if r is not framework]
    children: dict[str, list[list[str]]] = {}
    for row in nodes:
        children.setdefault(row[0].strip(), []).append(row)
    top = children.get("", []) + children.get(framework[1].strip(), [])
    if top and not any(children.get(r[1].strip()) for r in top):
        top = [_row(idnumber="BC01", short=_("Compétences"), fmt=PLAIN)]  # two levels only
        children["BC01"] = [r for r in nodes if r[0].strip() in ("", framework[1].strip())]
    used: set[str] = set()
    blocks = []
    for n, row in enumerate(top, 1):
        bextra = _extra(row[3])
        block = {"code": _code(row[1], used, f"BC{n:02d}"),
                 "kind": bextra.get("kind", "bloc"),
                 "title": bextra.get("title") or row[2].strip() or _text(row[3], row[4]),
                 "activities": bextra.get("activities", ""),
                 "jobs": bextra.get("jobs", []),
                 "assessment_methods": bextra.get("assessment_methods", []),
                 "mobilises": [m.replace("%2C", ",").strip() for m in row[10].split(",")
                               if m.strip()],
                 "competencies": []}
        for k, comp in enumerate(children.get(row[1].strip(), []), 1):
            title = _text(comp[3], comp[4]) or comp[2].strip()
            criteria = [(_text(c[3], c[4]) or c[2].strip()) for c in _descendants(comp, children)]
            block["competencies"].append({"code": _code(comp[1], used, f"{block['code']}.{k}"),
                                          "title": title, "criteria": [c for c in criteria if c]})
        blocks.append(block)
    return {"code": _code(framework[1], set(), "moodle").lower(),
            "title": extra.get("title") or framework[2].strip() or _text(framework[3],
                                                                          framework[4]),
            "version": str(extra.get("version") or "1"), "language": extra.get("language", "fr"),
            "source": extra.get("source") or _("Importé d'un CSV de référentiel Moodle"),
            "scale": scale, "blocks": blocks}


def _descendants(row: list[str], children: dict, depth: int = 0) -> list[list[str]]:
    """Every row under a compétence, depth first (a deeper level is a criterion too)."""
    if depth > 20:
        return []
    found = []
    for child in children.get(row[1].strip(), []):
        found.append(child)
        found += _descendants(child, children, depth + 1)
    return found
