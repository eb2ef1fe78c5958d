"""A référentiel as Mahara's SmartEvidence framework (`.matrix` JSON), so that a school still
on Mahara can use it: standards = blocs, elements = compétences, sub-elements = criteria.

Mahara's importer (`module/framework/lib.php`) wants `framework.name`; `standardid` integers
equal (`===`) on both sides; `elementid` strings with `parentelementid` for the third level,
parents first; names at most 255 characters (the whole text goes in the description).
"""

from __future__ import annotations

import json
from html import escape

from flask_babel import gettext as _

NAME = 255
SHORT = 100


def _name(text: str, limit: int = NAME) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def export_matrix(data: dict) -> str:
    """The référentiel (framework file format) as a `.matrix` file."""
    statuses = [{"begun": _("Prêt pour évaluation")}, {"incomplete": _("Non acquis")},
                {"partialcomplete": _("En cours d'acquisition")}, {"completed": _("Acquis")}]
    standards, elements = [], []
    for sid, block in enumerate(data["blocks"], 1):
        methods = "".join(f"<li>{escape(m)}</li>" for m in block.get("assessment_methods") or [])
        standards.append({
            "shortname": _name(block["code"], SHORT), "name": _name(block["title"]),
            "description": escape(block["title"]) + (f"<ul>{methods}</ul>" if methods else ""),
            "standardid": sid})
        for eid, competency in enumerate(block["competencies"], 1):
            element_id = f"{sid}.{eid}"
            elements.append({
                "shortname": _name(competency["code"], SHORT), "name": _name(competency["title"]),
                "description": escape(competency["title"]), "standardid": sid,
                "elementid": element_id})
            for kid, criterion in enumerate(competency.get("criteria") or [], 1):
                elements.append({
                    "shortname": _name(f"{competency['code']}.{kid}", SHORT),
                    "name": _name(criterion), "description": escape(criterion),
                    "standardid": sid,
                    "elementid": f"{element_id}.{kid}", "parentelementid": element_id})
    matrix = {"framework": {
        "institution": "all", "name": _name(data["title"]),
        "description": escape(f"{data['title']} — {data.get('source') or ''} "
                              f"({data['code']}, version {data['version']})"),
        "selfassess": True, "evidencestatuses": statuses,
        "standards": standards, "standardelements": elements}}
    return json.dumps(matrix, ensure_ascii=False, indent=2) + "\n"
