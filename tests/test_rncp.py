"""RNCP fiches in: the compétence splitter, the six real fiches, the CLI, the admin review."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from portfolio.services.rncp import RncpRefused, read_fiches, split_competences
from tests.helpers import as_user

SAMPLE = (Path(__file__).resolve().parents[2] / "shared" / "samples" / "rncp"
          / "export_fiches_RNCP_V4_1_extract.xml")
needs_sample = pytest.mark.skipif(not SAMPLE.is_file(), reason=f"{SAMPLE} is not here")

# (LISTE_COMPETENCES, [(code, title, criteria)]) in every shape the flux has been seen to use
SPLITS = [
    ("- Analyser le besoin du client  - Modéliser les données  - Choisir une architecture",
     [(None, "Analyser le besoin du client", []), (None, "Modéliser les données", []),
      (None, "Choisir une architecture", [])]),
    ("* Valider le fonctionnement d’un réseau      * Coder          * Maintenir un réseau",
     [(None, "Valider le fonctionnement d’un réseau", []), (None, "Coder", []),
      (None, "Maintenir un réseau", [])]),
    ("• Écouter • Reformuler • Conclure",
     [(None, "Écouter", []), (None, "Reformuler", []), (None, "Conclure", [])]),
    ("C.1. Organiser une réunion      C.2. Analyser les besoins",
     [("C.1", "Organiser une réunion", []), ("C.2", "Analyser les besoins", [])]),
    ("A1C1. Identifier les risques  A1C2. Proposer un plan",
     [("A1C1", "Identifier les risques", []), ("A1C2", "Proposer un plan", [])]),
    ("1.1 Concevoir  1.1.1 Choisir les outils  1.1.2 Documenter  1.2 Tester  1.2.1 Écrire "
     "les cas",
     [("1.1", "Concevoir", ["Choisir les outils", "Documenter"]),
      ("1.2", "Tester", ["Écrire les cas"])]),
    ("Réaliser une veille règlementaire, en exploitant les sources    Rédiger les contrats",
     [(None, "Réaliser une veille règlementaire, en exploitant les sources", []),
      (None, "Rédiger les contrats", [])]),
    ("<ul><li>Piloter un projet</li><li>Gérer un budget<br>et ses écarts</li></ul>",
     [(None, "Piloter un projet", []), (None, "Gérer un budget et ses écarts", [])]),
    ("Communiquer en 2024 avec 3 équipes  Défendre une opinion",
     [(None, "Communiquer en 2024 avec 3 équipes", []), (None, "Défendre une opinion", [])]),
    ("", []),
]


@pytest.mark.parametrize("text, expected", SPLITS)
def test_the_splitter_finds_each_compétence_and_its_criteria(text, expected):
    assert [(i.code, i.title, i.criteria) for i in split_competences(text)] == expected


@needs_sample
def test_all_six_real_fiches_become_référentiels(app):
    with app.app_context(), open(SAMPLE, "rb") as stream:
        results = read_fiches(stream)
    found = {r.framework["code"]: r.counts for r in results}
    assert found == {"rncp35419": (4, 18), "rncp37488": (2, 9), "rncp36612": (4, 33),
                     "rncp37674": (2, 8), "rncp35959": (5, 55), "rncp39568": (6, 19)}
    first = next(r.framework for r in results if r.framework["code"] == "rncp35419")
    bloc = first["blocks"][0]
    assert bloc["code"] == "RNCP35419BC01"
    assert bloc["title"] == "Gestion de la relation client en ingénierie du logiciel"
    assert bloc["competencies"][0]["code"] == "C.1"
    assert bloc["competencies"][0]["title"].startswith("Organiser et conduire une réunion")
    assert bloc["assessment_methods"] and "France Compétences, fiche RNCP35419" in first["source"]
    cyber = next(r.framework for r in results if r.framework["code"] == "rncp37488")
    assert [c["code"] for c in cyber["blocks"][1]["competencies"]][:2] == ["BC02.1", "BC02.2"]
    assert cyber["version"] == "2023-09-01"


def fiche(number: str, blocs: str = "") -> bytes:
    return (f"<FICHES><VERSION_FLUX>4.1</VERSION_FLUX><FICHE><NUMERO_FICHE>{number}"
            f"</NUMERO_FICHE><INTITULE>Titre {number}</INTITULE>"
            f"<DATE_EFFET>01/09/2025</DATE_EFFET>{blocs}</FICHE></FICHES>").encode()


BLOCS = ("<BLOCS_COMPETENCES><BLOC_COMPETENCES><CODE>RNCP99999BC01</CODE><LIBELLE>Bloc un"
         "</LIBELLE><LISTE_COMPETENCES>1. Faire  2. Refaire</LISTE_COMPETENCES>"
         "</BLOC_COMPETENCES><BLOC_COMPETENCES><CODE>RNCP99999BC02</CODE><LIBELLE>Bloc deux"
         "</LIBELLE><LISTE_COMPETENCES>1. Encore  2. Toujours</LISTE_COMPETENCES>"
         "</BLOC_COMPETENCES></BLOCS_COMPETENCES>")


def test_a_fiche_without_blocs_is_refused_and_numbering_per_bloc_stays_unique(app):
    with app.app_context(), force_locale("fr"):
        (rs,) = read_fiches(io.BytesIO(fiche("RNCP11111")))
        assert rs.framework is None and "n'a pas de blocs" in rs.problems[0]
        (ok,) = read_fiches(io.BytesIO(fiche("RNCP99999", BLOCS)))
        codes = [c["code"] for b in ok.framework["blocks"] for c in b["competencies"]]
        assert codes == ["1", "2", "BC02-1", "BC02-2"]
        with pytest.raises(RncpRefused, match="Aucune fiche RNCP42"):
            read_fiches(io.BytesIO(fiche("RNCP99999", BLOCS)), "rncp42")
        with pytest.raises(RncpRefused, match="entités ou une DTD"):
            read_fiches(io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'
                                   b"<FICHES>&a;</FICHES>"))
        with pytest.raises(RncpRefused, match="pas du XML bien formé"):
            read_fiches(io.BytesIO(b"<FICHES><FICHE>"))


@needs_sample
def test_the_cli_imports_the_fiches_and_says_what_it_did(app, runner):
    french = {"LANG": "fr_FR.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
    result = runner.invoke(args=["frameworks", "import-rncp", str(SAMPLE)], env=french)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    assert lines[0].split("\t")[:4] == ["rncp35419", "created", "4 blocs", "18 compétences"]
    again = runner.invoke(args=["frameworks", "import-rncp", str(SAMPLE), "--fiche",
                                "RNCP37488"])
    assert again.stdout.split("\t")[:2] == ["rncp37488", "unchanged"]
    missing = runner.invoke(args=["frameworks", "import-rncp", str(SAMPLE), "--fiche", "RNCP1"],
                            env=french)
    assert missing.exit_code == 1 and "Aucune fiche RNCP1" in missing.output


def test_the_admin_reviews_corrects_and_saves_a_fiche(client, people, app):
    as_user(client, people.admin)
    page = client.get("/admin/frameworks/rncp").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/admin/frameworks/rncp", data={
        "csrf_token": token, "file": (io.BytesIO(fiche("RNCP99999", BLOCS)), "fiche.xml")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "RNCP99999 · Titre RNCP99999" in page and "2 blocs · 4 compétences" in page
    content = re.search(r'<textarea[^>]*id="content-0"[^>]*>(.*?)</textarea>', page,
                        re.DOTALL).group(1)
    # the admin corrects a title in the text, then saves
    corrected = content.replace("title: Refaire", "title: Refaire en autonomie")
    assert corrected != content
    saved = client.post("/admin/frameworks/rncp/save", data={
        "csrf_token": token, "content": corrected, "code": "rncp99999"})
    assert saved.status_code == 200, saved.get_data(as_text=True)[:2000]
    assert "importé" in saved.get_data(as_text=True)
    shown = client.get("/frameworks/rncp99999").get_data(as_text=True)
    assert "Refaire en autonomie" in shown
    # a broken text is refused with its problems, and kept in the field
    broken = client.post("/admin/frameworks/rncp/save", data={
        "csrf_token": token, "content": "code: [", "code": "x"})
    assert broken.status_code == 422
    assert "code: [" in broken.get_data(as_text=True)
