"""Référentiels as Moodle's competency framework CSV (in and out) and Mahara's .matrix (out)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from portfolio.services import framework_format as fmt
from portfolio.services import frameworks
from portfolio.services.moodle_csv import HEADER, export_csv
from tests.helpers import as_user

SHIPPED = ["ing-num.json", "ing-info.json"]
RNCP_LIKE = {
    "code": "rncp99999", "title": "Titre " * 30, "version": "2025-09-01", "language": "fr",
    "source": "France Compétences, fiche RNCP99999 — ÉCOLE, Autre, \"citée\"",
    "scale": [{"value": 0, "label": "Non évalué"}, {"value": 1, "label": "Vu, pas acquis"},
              {"value": 2, "label": "Acquis"}],
    "blocks": [{"code": "RNCP99999BC01", "kind": "bloc", "title": "Bloc, avec « virgule »",
                "activities": "", "jobs": [], "assessment_methods": ["Étude de cas\npuis oral"],
                "mobilises": [],
                "competencies": [{"code": "C.1", "title": "Analyser <le> besoin & " * 20,
                                  "criteria": ["Le besoin est reformulé, validé", "Écrit"]},
                                 {"code": "BC02-1", "title": "Deux", "criteria": []}]}],
}


def shipped(name: str) -> dict:
    path = next(p for p in frameworks.shipped_files() if p.name == name)
    return fmt.validate(fmt.parse(path.read_bytes(), path.name))


@pytest.mark.parametrize("name", [*SHIPPED, "rncp"])
def test_moodle_csv_round_trip_gives_the_same_référentiel(app, name):
    with app.app_context():
        data = fmt.validate(RNCP_LIKE) if name == "rncp" else shipped(name)
        text = export_csv(data)
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == HEADER and all(len(r) == 14 for r in rows)
        assert [r[12] for r in rows[1:]].count("1") == 1  # one framework row
        assert all(len(r[2]) <= 100 for r in rows)  # Moodle's short names
        assert fmt.validate(fmt.parse(text.encode(), "export.csv")) == data


# As Moodle writes it (older header wording, HTML descriptions, a semicolon separator chosen
# in its form), four levels deep, with no comment of ours.
MOODLE_WRITTEN = "\n".join([
    '"Parent id number";"Id number";Shortname;Description;"Description format";"Scale values";'
    '"Scale configuration";"Rule type (optional)";"Rule outcome (optional)";'
    '"Rule config (optional)";"Cross referenced competency id numbers";'
    '"Exported id (optional)";"Is framework";Taxonomy',
    ';CORE;"Core skills";"<p>The core</p>";1;"Not yet competent,Competent";'
    '"[{""scaleid"":""2""},{""id"":2,""scaledefault"":1,""proficient"":1}]";;;;;;1;'
    '"domain,competency,indicator,indicator"',
    ';delivery;"Delivery";"<p>Achieving results</p>";1;;;;0;null;;8;;',
    'delivery;analytical;"Analytical Thinking";"<p>Analytical Thinking is the ability to '
    'identify<br>patterns.</p>";1;;;;0;null;;11;;',
    'analytical;DR AT1;"Distinguishes information";"<p>Distinguishes critical and irrelevant '
    'information</p>";1;;;;0;null;;26;;',
    'DR AT1;DR-AT1-x;"Deeper";"";1;;;;0;null;;27;;',
    'delivery;teamwork;"Teamwork";;1;;;;0;null;;16;;',
])


def test_a_csv_written_by_moodle_is_read_by_position(app):
    with app.app_context():
        data = fmt.validate(fmt.parse(MOODLE_WRITTEN.encode(), "oecd.csv"))
    assert (data["code"], data["title"]) == ("core", "Core skills")
    assert data["scale"] == [{"value": 0, "label": "Not yet competent"},
                             {"value": 1, "label": "Competent"}]
    (block,) = data["blocks"]
    assert (block["code"], block["title"]) == ("delivery", "Delivery")
    analytical, teamwork = block["competencies"]
    assert analytical["code"] == "analytical"
    assert analytical["title"] == "Analytical Thinking is the ability to identify\npatterns."
    assert analytical["criteria"] == ["Distinguishes critical and irrelevant information",
                                      "Deeper"]  # a fourth level is a criterion too
    assert (teamwork["title"], teamwork["criteria"]) == ("Teamwork", [])


def test_a_two_level_csv_gives_one_bloc(app):
    text = "\n".join([",".join(HEADER), ",flat,Flat,,2,\"Non,Oui\",,,,,,,1,",
                      ",a1,Écouter,,2,,,,0,null,,,,", ",a2,Parler,,2,,,,0,null,,,,"])
    with app.app_context():
        data = fmt.validate(fmt.parse(text.encode(), "flat.csv"))
    (block,) = data["blocks"]
    assert [c["code"] for c in block["competencies"]] == ["a1", "a2"]
    assert [c["title"] for c in block["competencies"]] == ["Écouter", "Parler"]


def test_a_csv_without_its_framework_row_is_refused_with_a_message(app):
    text = ",".join(HEADER) + "\n,a1,Écouter,,2,,,,0,null,,,,\n"
    with app.app_context(), pytest.raises(fmt.FrameworkInvalid) as refused:
        fmt.parse(text.encode(), "x.csv")
    assert "Is framework" in refused.value.errors[0]


@pytest.mark.parametrize("name", SHIPPED)
def test_the_matrix_follows_maharas_rules(app, name):
    with app.app_context():
        data = shipped(name)
        matrix = json.loads(fmt.dump(data, "mahara-matrix"))["framework"]
    assert matrix["name"] and len(matrix["name"]) <= 255
    assert [list(s) for s in matrix["evidencestatuses"]] == [
        ["begun"], ["incomplete"], ["partialcomplete"], ["completed"]]
    ids = [s["standardid"] for s in matrix["standards"]]
    assert ids == list(range(1, len(data["blocks"]) + 1))
    seen = set()
    for element in matrix["standardelements"]:
        assert isinstance(element["standardid"], int) and element["standardid"] in ids
        assert len(element["name"]) <= 255 and len(element["shortname"]) <= 100
        if "parentelementid" in element:
            assert element["parentelementid"] in seen  # parents come first
        seen.add(element["elementid"])
    competencies = sum(len(b["competencies"]) for b in data["blocks"])
    criteria = sum(len(c["criteria"]) for b in data["blocks"] for c in b["competencies"])
    assert len(matrix["standardelements"]) == competencies + criteria


def test_the_cli_and_the_admin_export_and_import_both_formats(app, runner, ing_num, client,
                                                              people, tmp_path):
    out = runner.invoke(args=["frameworks", "export", "ing-num", "--format", "moodle-csv"])
    assert out.exit_code == 0 and out.stdout.startswith("Parent ID number,")
    path = tmp_path / "ing-num.csv"
    path.write_text(out.stdout, encoding="utf-8")
    again = runner.invoke(args=["frameworks", "import", str(path)])
    assert again.exit_code == 0 and "unchanged" in again.output
    matrix = runner.invoke(args=["frameworks", "export", "ing-num", "--format", "mahara-matrix"])
    assert json.loads(matrix.stdout)["framework"]["standards"][0]["shortname"] == "C1"
    as_user(client, people.admin)
    for kind, media, extension in (("moodle-csv", "text/csv", "csv"),
                                   ("mahara-matrix", "application/json", "matrix")):
        response = client.get(f"/admin/frameworks/ing-num/export?format={kind}")
        assert response.status_code == 200 and response.mimetype == media
        assert f'filename="ing-num.{extension}"' in response.headers["Content-Disposition"]
