"""Self-assessment and referent assessment through the web; radar pages and dashboards."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portfolio.db import db
from portfolio.models import Assessment, User
from portfolio.services import assessments
from portfolio.services import entries as entry_service
from tests.helpers import (
    as_user,
    count_queries,
    create,
    csrf_token,
    grow,
    login,
    post,
    tag_fields,
)

HX = {"HX-Request": "true"}


def self_url(people, code):
    return f"/learners/{people.learner.id}/competencies/{people.competencies[code]}/self"


def referent_url(people, code, learner=None):
    learner_id = learner or people.learner.id
    return f"/learners/{learner_id}/competencies/{people.competencies[code]}/referent"


def levels(app, learner_id, source=None):
    with app.app_context():
        query = select(Assessment.source, Assessment.level, Assessment.justification).where(
            Assessment.learner_id == learner_id).order_by(Assessment.id)
        if source:
            query = query.where(Assessment.source == source)
        return [tuple(r) for r in db.session.execute(query)]


def test_self_assessment_page_lists_every_compétence_with_both_levels(client, people):
    login(client, people.learner)
    page = client.get(f"/learners/{people.learner.id}/frameworks/ing-num").get_data(as_text=True)
    assert page.count('<li class="competency-row') == len(people.competencies) == 25
    assert "Mon niveau" in page and "Tuteur" in page and "Preuves" in page
    assert "Maîtrisé (peut transmettre)" in page  # the framework's scale
    assert client.get(f"/learners/{people.learner.id}/frameworks/nope").status_code == 404


def test_one_click_needs_a_justification_when_the_level_changes(client, people, app):
    login(client, people.learner)
    response = post(client, self_url(people, "C2.1"), {"level": "3"}, headers=HX)
    row = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dites en quelques mots pourquoi ce niveau" in row
    assert 'name="level" value="3" class="button primary"' in row  # one more click saves it
    assert row.lstrip().startswith("<li") and "<html" not in row
    assert levels(app, people.learner.id) == []
    response = post(client, self_url(people, "C2.1"),
                    {"level": "3", "justification": "J'ai modélisé la base seule."}, headers=HX)
    assert response.status_code == 200 and "Niveau enregistré." in response.get_data(as_text=True)
    # The same level again needs no justification; a new dated row is kept all the same.
    assert post(client, self_url(people, "C2.1"), {"level": "3"}, headers=HX).status_code == 200
    assert post(client, self_url(people, "C2.1"), {"level": "2"}, headers=HX).status_code == 422
    assert levels(app, people.learner.id) == [
        ("self", 3, "J'ai modélisé la base seule."), ("self", 3, "")]


def test_without_javascript_the_form_posts_and_comes_back(client, people, app):
    login(client, people.learner)
    cid = people.competencies["C1.1"]
    response = post(client, self_url(people, "C1.1"), {"level": "1"})
    page = response.get_data(as_text=True)
    # The page again, the message inside the compétence's own row, its field focused (the
    # browser opens the page there), not 4 000 px above in the flash area.
    assert response.status_code == 422 and "<title>Erreur :" in page
    row = page.split(f'id="competency-{cid}"')[1].split('<li class="competency-row')[0]
    assert "Dites en quelques mots pourquoi ce niveau" in row
    assert re.search(r'id="justification-\d+"[^>]*autofocus', row)
    assert 'name="level" value="1" class="button primary"' in row
    assert "Dites en quelques mots" not in page.split(f'id="competency-{cid}"')[0]
    response = post(client, self_url(people, "C1.1"), {"level": "1", "justification": "Début"})
    assert response.status_code == 302
    assert "Niveau enregistré pour C1.1" in client.get(
        response.headers["Location"]).get_data(as_text=True)


def test_a_justification_may_cite_own_entries_only(client, people, app, make_user):
    login(client, people.learner)
    entry_id = create(client, title="Preuve de C2.1", **tag_fields(people.competencies["C2.1"]))
    page = client.get(f"/learners/{people.learner.id}/frameworks/ing-num").get_data(as_text=True)
    assert f'name="entry_ids" value="{entry_id}"' in page
    with app.app_context():
        other = db.session.get(User, people.other_learner.id)
        foreign = entry_service.create_entry(other, entry_service.EntryData(
            title="Pas à toi", occurred_on=entry_service.date.today())).id
        db.session.commit()
    bad = post(client, self_url(people, "C2.1"), {"level": "2", "justification": "x",
                                                  "entry_ids": [str(foreign)]}, headers=HX)
    assert bad.status_code == 422 and "n&#39;est pas la vôtre" in bad.get_data(as_text=True)
    good = post(client, self_url(people, "C2.1"), {"level": "2", "justification": "voir",
                                                   "entry_ids": [str(entry_id)]}, headers=HX)
    assert good.status_code == 200
    page = client.get(f"/learners/{people.learner.id}/competencies/"
                      f"{people.competencies['C2.1']}").get_data(as_text=True)
    assert "Preuve de C2.1" in page and "voir" in page


@pytest.mark.parametrize("level", ["9", "-1", "abc", ""])
def test_a_level_off_the_scale_is_refused(client, people, app, level):
    login(client, people.learner)
    response = post(client, self_url(people, "C1.1"), {"level": level, "justification": "x"},
                    headers=HX)
    assert response.status_code == 422 and "Choisissez un niveau" in response.get_data(
        as_text=True)


def test_referent_sets_a_level_and_comment_the_learner_sees(client, people, app):
    login(client, people.referent)
    page = client.get(f"/learners/{people.learner.id}/competencies/"
                      f"{people.competencies['C3.1']}").get_data(as_text=True)
    assert "Votre niveau" in page and "Ajouter un commentaire" in page
    response = post(client, referent_url(people, "C3.1"),
                    {"level": "2", "justification": "Bon début, à consolider.",
                     "from": "competency"})
    assert response.status_code == 302 and "/competencies/" in response.headers["Location"]
    assert levels(app, people.learner.id) == [("referent", 2, "Bon début, à consolider.")]
    as_user(client, people.learner)
    page = client.get(f"/learners/{people.learner.id}/competencies/"
                      f"{people.competencies['C3.1']}").get_data(as_text=True)
    assert "Bon début, à consolider." in page and "Sophie Durand" in page
    assert "<svg" in page and 'class="step-chart"' in page


def test_who_may_set_which_level(client, people, app):
    """A learner cannot set referent levels; a referent cannot self-assess for a learner, nor
    assess a learner who is not theirs; jury and admin can do neither."""
    cases = [
        (people.learner, referent_url(people, "C1.1")),
        (people.referent, self_url(people, "C1.1")),
        (people.other_referent, referent_url(people, "C1.1")),
        (people.other_referent, self_url(people, "C1.1")),
        (people.other_learner, self_url(people, "C1.1")),
        (people.jury, referent_url(people, "C1.1")),
        (people.admin, referent_url(people, "C1.1")),
        (people.admin, self_url(people, "C1.1")),
    ]
    for who, path in cases:
        login(client, who)
        response = post(client, path, {"level": "2", "justification": "tentative"})
        assert response.status_code == 404, (who.role, path)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert levels(app, people.learner.id) == []
    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        stranger = db.session.get(User, people.other_referent.id)
        from portfolio.models import Competency
        item = db.session.get(Competency, people.competencies["C1.1"])
        with pytest.raises(assessments.ServiceError):
            assessments.assess_as_referent(stranger, learner, item, 2)
        with pytest.raises(assessments.ServiceError):
            assessments.assess_self(db.session.get(User, people.referent.id), item, 2, "x")


@pytest.mark.parametrize("viewer, status", [
    ("learner", 200), ("referent", 200), ("other_learner", 404), ("other_referent", 404),
    ("jury", 404), ("admin", 404)])
def test_who_may_see_a_learners_levels(client, people, viewer, status):
    login(client, getattr(people, viewer))
    base = f"/learners/{people.learner.id}"
    for path in (f"{base}/frameworks/ing-num",
                 f"{base}/competencies/{people.competencies['C1.1']}"):
        assert client.get(path).status_code == status, path
    overview = client.get(base)
    assert overview.status_code == {"learner": 302}.get(viewer, status)


def _assess(app, people, code, self_level, referent_level):
    with app.app_context():
        from portfolio.models import Competency
        learner = db.session.get(User, people.learner.id)
        item = db.session.get(Competency, people.competencies[code])
        if self_level is not None:
            assessments.assess_self(learner, item, self_level, "pourquoi pas")
        if referent_level is not None:
            assessments.assess_as_referent(db.session.get(User, people.referent.id), learner,
                                           item, referent_level)
        db.session.commit()


def test_the_gap_is_highlighted_on_the_radar_and_in_the_table(client, people, app):
    _assess(app, people, "C2.1", 3, 2)  # C2: self 3, referent 2: a gap of one level
    _assess(app, people, "C3.1", 2, 2)  # C3: no gap
    login(client, people.learner)
    page = client.get("/").get_data(as_text=True)
    assert page.count('class="gap-mark"') == 1
    assert re.search(r'class="axis-label gap"[^>]*>C2 !</text>', page)
    gap_rows = re.findall(r'<tr class="gap">\s*<th scope="row"><span class="code">(\w+)</span>',
                          page)
    assert gap_rows == ["C2"]
    assert "Blocs où vous vous évaluez au-dessus de votre tuteur" in page
    as_user(client, people.referent)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Camille Martin" in dashboard and 'class="gap-mark"' in dashboard
    learner_page = client.get(f"/learners/{people.learner.id}").get_data(as_text=True)
    assert '<tr class="gap">' in learner_page


def test_compare_with_an_earlier_date(client, people, app):
    from datetime import UTC, datetime

    import time_machine

    with time_machine.travel(datetime(2026, 9, 10, 12, tzinfo=UTC), tick=False):
        _assess(app, people, "C1.1", 1, None)
    _assess(app, people, "C1.1", 3, 2)
    login(client, people.learner)
    page = client.get("/?at=2026-09-30").get_data(as_text=True)
    assert 'data-series="self-then"' in page and 'data-series="referent-then"' in page
    assert "Auto-évaluation au" in page
    for choice in ("school_year", "three_months", "last_feedback"):
        assert client.get(f"/?compare={choice}").status_code == 200
    assert 'data-series="self-then"' not in client.get("/?at=not-a-date").get_data(as_text=True)
    assert client.get("/?at=2999-01-01").status_code == 200


def test_dashboards_make_as_many_queries_whatever_the_data(client, people, app):
    grow(app, people, entries=3, rounds=1)
    login(client, people.learner)
    learner_small = count_queries(app, client, "/")
    learner_compare = count_queries(app, client, "/?compare=three_months")
    page_small = count_queries(app, client, f"/learners/{people.learner.id}/frameworks/ing-num")
    as_user(client, people.referent)
    referent_small = count_queries(app, client, "/")
    grow(app, people, entries=120, rounds=6)
    assert count_queries(app, client, "/") == referent_small
    as_user(client, people.learner)
    assert count_queries(app, client, "/") == learner_small
    assert count_queries(app, client, "/?compare=three_months") == learner_compare
    assert count_queries(app, client,
                          f"/learners/{people.learner.id}/frameworks/ing-num") == page_small
    with app.app_context():
        assert db.session.scalar(select(func.count(Assessment.id))) == 2 * 25 * 7
