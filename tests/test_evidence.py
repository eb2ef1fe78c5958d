"""Evidence sufficiency, criterion by criterion, and the gaps view."""

from __future__ import annotations

import html
from datetime import date

from portfolio.db import db
from portfolio.models import Competency, User
from portfolio.services import assessments, directory
from portfolio.services import entries as entry_service
from tests.helpers import count_queries, login


def write(learner, competencies, title, tags, visibility="referents"):
    return entry_service.create_entry(learner, entry_service.EntryData(
        title=title, visibility=visibility, occurred_on=date(2026, 5, 4), tags=tags))


def test_each_criterion_its_entries_each_compétence_its_levels_and_the_gaps(
        app, client, people, make_user):
    academic = make_user("referent", name="Claire Vidal")
    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        directory.assign_referent(learner, db.session.get(User, academic.id), "academique")
        c21 = db.session.get(Competency, people.competencies["C2.1"])
        c31 = db.session.get(Competency, people.competencies["C3.1"])
        first_criterion = c21.criteria[0]
        write(learner, None, "Refonte du pipeline", [entry_service.TagData(
            c21.id, criterion_ids=[first_criterion.id])])
        write(learner, None, "Mes doutes", [entry_service.TagData(c31.id)], "private")
        assessments.assess_self(learner, c21, 3, "Je le fais seul.")
        # C1.1: evidenced and assessed, no gap of its own, its criteria untagged
        c11 = db.session.get(Competency, people.competencies["C1.1"])
        write(learner, None, "Cartographie", [entry_service.TagData(c11.id)])
        assessments.assess_as_referent(db.session.get(User, people.referent.id), learner, c11,
                                       2, "Bien.")
        assessments.assess_as_referent(db.session.get(User, academic.id), learner, c21, 1,
                                       "Pas encore.")
        assessments.assess_as_referent(db.session.get(User, people.referent.id), learner, c21,
                                       2, "Presque.")
        db.session.commit()
        criterion_text = first_criterion.text
        others = [k.text for k in c21.criteria[1:]]
    login(client, people.learner)
    page = html.unescape(client.get(f"/learners/{people.learner.id}/evidence").get_data(True))
    assert "Refonte du pipeline" in page and criterion_text in page
    assert "Claire Vidal (tuteur académique) 1" in page.replace("<strong>", "").replace(
        "</strong>", "")
    assert "Sophie Durand (maître d'apprentissage) 2" in page.replace("<strong>", "").replace(
        "</strong>", "")
    if others:  # the other criteria of C2.1 have no evidence
        assert "sans preuve" in page
    # C2.1: the learner's 3 is a level or more above both tutors; C3.1 has a (private) entry
    # but no tutor level; most compétences have no evidence at all
    section = page[page.index(f'id="evidence-{people.competencies["C2.1"]}"'):]
    assert "auto-évaluation au-dessus des tuteurs" in section[:3000]
    c31_section = page[page.index(f'id="evidence-{people.competencies["C3.1"]}"'):]
    assert "prouvée, sans niveau d'un tuteur" in c31_section[:2000]
    # a tutor does not count (or see) the private entry
    tutor = app.test_client()
    login(tutor, people.referent)
    seen = html.unescape(tutor.get(f"/learners/{people.learner.id}/evidence?gaps=1")
                         .get_data(True))
    assert "Mes doutes" not in seen
    # the count on the tutor's page is the one their cohort view shows for this learner
    with app.app_context():
        from portfolio.services.evidence import gap_counts
        expected = gap_counts([people.learner.id])[people.learner.id]
    assert f"{expected} compétences avec un écart" in seen
    assert "critères sans preuve" in seen
    c31_seen = seen[seen.index(f'id="evidence-{people.competencies["C3.1"]}"'):]
    assert "aucune preuve" in c31_seen[:2000]


def test_the_evidence_page_costs_the_same_number_of_queries_with_more_data(
        app, client, people):
    login(client, people.learner)
    path = f"/learners/{people.learner.id}/evidence"

    def add(count):
        with app.app_context():
            learner = db.session.get(User, people.learner.id)
            ids = list(people.competencies.values())
            for n in range(count):
                competency = db.session.get(Competency, ids[n % len(ids)])
                write(learner, None, f"Entrée {n}", [entry_service.TagData(
                    competency.id, criterion_ids=[k.id for k in competency.criteria[:1]])])
                assessments.assess_self(learner, competency, 2, "Voir l'entrée.")
            db.session.commit()

    add(1)
    before = count_queries(app, client, path)
    add(12)
    assert count_queries(app, client, path) == before <= 15


def test_only_the_learner_and_their_tutors_read_it(app, client, people):
    for who in (people.other_learner, people.other_referent, people.jury, people.admin):
        client = app.test_client()
        login(client, who)
        assert client.get(f"/learners/{people.learner.id}/evidence").status_code == 404


def test_the_jury_export_includes_the_evidence_table_when_the_learner_chooses(
        app, client, people, world):
    import json
    from pathlib import Path

    import jsonschema

    from tests.helpers import download, post

    login(client, people.learner)
    model = json.loads(download(client, "json"))
    assert model["evidence"] == [] and model["options"]["include_evidence"] is False
    post(client, "/export", {"entries": [str(world.shown), str(world.second)],
                             "include_feedback": "1", "include_evidence": "1"}, page="/export")
    model = json.loads(download(client, "json"))
    jsonschema.validate(model, json.loads(
        Path("portfolio/exports/portfolio.schema.json").read_text()))
    rows = {row["key"]: row for row in model["evidence"]}
    assert rows["ing-num:C2.1"]["entries"] == [world.shown]
    assert rows["ing-num:C3.1"]["entries"] == [world.second]
    # C1.1 is shown only by an entry for the tutors: the jury's table says "no evidence"
    assert rows["ing-num:C1.1"]["entries"] == [] and "no_evidence" in rows["ing-num:C1.1"]["gaps"]
    assert "self_above" in rows["ing-num:C2.1"]["gaps"]  # 3 against the tutor's 2
    page = html.unescape(download(client, "html").decode())
    assert "Preuves par critère" in page and "Pour mes tuteurs seulement" not in page
