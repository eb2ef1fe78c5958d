"""The carnet de liaison: the fiche de suivi from the end of a company period to the jury
export, through a link for the maître d'apprentissage without an account; the visit report."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from portfolio.db import db
from portfolio.models import (
    Assessment,
    Notification,
    PeriodReview,
    ReferentLink,
    User,
    VisitNote,
    VisitReport,
)
from tests.helpers import download, login, post
from tests.test_referent_links import COMPANY, company_tutor  # noqa: F401 (a fixture)

TODAY = date(2026, 11, 2)
PERIOD = ("entreprise", "2026-09-07", "2026-10-30")


@pytest.fixture
def triangle(app, runner, people, make_user, company_tutor):  # noqa: F811
    """Camille in a cohort whose company period ended on 30/10; Claire her tuteur académique;
    Marc (no account) and Sophie her maîtres d'apprentissage."""
    academic = make_user("referent", name="Claire Vidal")
    with app.app_context():
        from portfolio.services import directory

        learner = db.session.get(User, people.learner.id)
        cohort = directory.get_or_create_cohort("ING 2026")
        directory.add_to_cohort(cohort, learner)
        directory.assign_referent(learner, db.session.get(User, academic.id), "academique")
        db.session.commit()
    result = runner.invoke(args=["periods", "add", "--cohort", "ING 2026", "--kind", PERIOD[0],
                                 "--start", PERIOD[1], "--end", PERIOD[2]])
    assert result.exit_code == 0, result.output
    return academic


def open_reviews(runner, day: date = TODAY) -> str:
    result = runner.invoke(args=["notify", "period-reviews", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def the_review(app, learner_id: int) -> PeriodReview:
    with app.app_context():
        review = db.session.scalar(select(PeriodReview).where(
            PeriodReview.learner_id == learner_id))
        db.session.expunge(review)
        return review


def send_self_review(client, review_id: int, competency_ids, **extra):
    data = {"action": "send", "missions": "Migration du parc de serveurs.",
            "learned": "Planifier une bascule sans coupure.",
            "competency": [str(c) for c in competency_ids], **extra}
    return post(client, f"/followup/reviews/{review_id}", data,
                page=f"/followup/reviews/{review_id}")


def link_token(outbox, to: str) -> str:
    mail = [m for m in outbox if m.to == to][-1]
    return re.search(r"/r/([A-Za-z0-9_-]{40,})", mail.body).group(1)


def test_a_period_ends_the_fiche_goes_round_the_triangle_and_into_the_jury_export(
        app, client, runner, people, triangle, outbox, company_tutor):  # noqa: F811
    c21, c31 = people.competencies["C2.1"], people.competencies["C3.1"]
    # the day the period ends, nothing yet; the day after, one fiche, and the learner is told
    assert "0 fiche(s) de suivi opened" in open_reviews(runner, date(2026, 10, 30))
    assert "1 fiche(s) de suivi opened" in open_reviews(runner)
    assert "0 fiche(s) de suivi opened, 0 recalled" in open_reviews(runner)  # once
    review = the_review(app, people.learner.id)
    assert review.state == "self"
    assert any(m.to == people.learner.email and "fiche de suivi" in m.subject for m in outbox)

    # the learner: nothing ticked is refused with the text kept; then sent
    login(client, people.learner)
    page = client.get(f"/followup/reviews/{review.id}")
    assert page.status_code == 200 and "Les missions de la période" in page.get_data(True)
    refused = send_self_review(client, review.id, [])
    assert refused.status_code == 422
    text = html.unescape(refused.get_data(as_text=True))
    assert "Cochez au moins une compétence" in text and "Migration du parc de serveurs." in text
    assert send_self_review(client, review.id, [c21, c31]).status_code == 302
    token = link_token(outbox, COMPANY["email"])
    with app.app_context():
        # Sophie, the other maître d'apprentissage, has an account: a notification instead
        assert db.session.scalar(select(Notification).where(
            Notification.user_id == people.referent.id, Notification.kind == "review_company"))

    # the maître d'apprentissage, logged out, by the link: the self-review and the form
    visitor = app.test_client()
    page = visitor.get(f"/r/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    text = html.unescape(page.get_data(as_text=True))
    assert "Planifier une bascule sans coupure." in text and "Je confirme" in text
    assert "/entries/" not in text  # no way into the app
    unsigned = post(visitor, f"/r/{token}", {f"level-{c21}": "3", "attested_name": ""},
                    page=f"/r/{token}")
    assert unsigned.status_code == 422
    assert '<option value="3" selected>' in unsigned.get_data(as_text=True)  # nothing lost
    signed = post(visitor, f"/r/{token}", {
        f"level-{c21}": "3", f"comment-{c21}": "Autonome sur la bascule.", f"level-{c31}": "",
        "savoir_etre": "Ponctuel, à l'écoute.", "missions_next": "Supervision.",
        "confirm": "1", "attested_name": "Marc Lefèvre"}, page=f"/r/{token}")
    assert signed.status_code == 200
    assert "Cette fiche est remplie : merci." in html.unescape(signed.get_data(as_text=True))
    again = post(visitor, f"/r/{token}", {f"level-{c31}": "1", "confirm": "1",
                                          "attested_name": "X"}, page=f"/r/{token}")
    assert again.status_code == 422
    assert "Vous avez déjà répondu" in html.unescape(again.get_data(as_text=True))
    with app.app_context():
        levels = db.session.scalars(select(Assessment).where(
            Assessment.review_id == review.id)).all()
        assert [(a.competency_id, a.level, a.referent_kind, a.assessor_id, a.justification)
                for a in levels] == [(c21, 3, "entreprise", company_tutor,
                                      "Autonome sur la bascule.")]  # once, not twice
        assert db.session.get(PeriodReview, review.id).state == "academic"
        assert db.session.scalar(select(Notification).where(
            Notification.user_id == triangle.id, Notification.kind == "review_academic"))

    # the radar's company series shows the level, apart from the academic one
    page = client.get("/?series=split")
    text = html.unescape(page.get_data(as_text=True))
    assert 'data-series="company"' in text and "Maître d'apprentissage" in text
    assert 'data-series="company"' not in html.unescape(client.get("/").get_data(True))

    # the tuteur académique comments and closes; the learner puts it in the export
    academic = app.test_client()
    login(academic, triangle)
    assert "Commenter et clore la fiche" in academic.get(
        f"/followup/reviews/{review.id}").get_data(True)
    assert post(academic, f"/followup/reviews/{review.id}",
                {"action": "close", "academic_comment": ""},
                page=f"/followup/reviews/{review.id}").status_code == 422
    assert post(academic, f"/followup/reviews/{review.id}",
                {"action": "close", "academic_comment": "Belle période, à poursuivre."},
                page=f"/followup/reviews/{review.id}").status_code == 302
    model = json.loads(download(client, "json"))
    assert model["reviews"] == []  # the learner has not chosen it yet
    assert post(client, f"/followup/reviews/{review.id}", {"action": "export", "in_export": "1"},
                page=f"/followup/reviews/{review.id}").status_code == 302
    model = json.loads(download(client, "json"))
    schema = json.loads(Path("portfolio/exports/portfolio.schema.json").read_text())
    jsonschema.validate(model, schema)
    [fiche] = model["reviews"]
    assert fiche["period"] == {"starts_on": PERIOD[1], "ends_on": PERIOD[2]}
    assert fiche["attested_by"] == "Marc Lefèvre" and fiche["academic_by"] == "Claire Vidal"
    assert [lv["level"] for lv in fiche["levels"]] == [3]
    page = html.unescape(download(client, "html").decode())
    assert "Fiches de suivi en entreprise" in page and "Belle période, à poursuivre." in page


def test_the_link_to_a_fiche_is_404_once_revoked_or_expired(
        app, client, runner, people, triangle, outbox, company_tutor):  # noqa: F811
    open_reviews(runner)
    review = the_review(app, people.learner.id)
    login(client, people.learner)
    send_self_review(client, review.id, [people.competencies["C2.1"]])
    token = link_token(outbox, COMPANY["email"])
    visitor = app.test_client()
    assert visitor.get(f"/r/{token}").status_code == 200
    with app.app_context():
        link = db.session.scalar(select(ReferentLink).where(ReferentLink.kind == "period_review"))
        link.expires_at = link.created_at  # expired
        db.session.commit()
    assert visitor.get(f"/r/{token}").status_code == 404
    # a fresh link by /r/ (the same answer whoever asks)
    post(visitor, "/r/", {"email": COMPANY["email"]}, page="/r/")
    fresh = link_token(outbox, COMPANY["email"])
    assert fresh != token and visitor.get(f"/r/{fresh}").status_code == 200
    with app.app_context():
        link = db.session.scalars(select(ReferentLink).where(
            ReferentLink.kind == "period_review").order_by(ReferentLink.id.desc())).first()
        link_id = link.id
    assert post(client, f"/referent-links/{link_id}/revoke", {}).status_code in (302, 303)
    assert visitor.get(f"/r/{fresh}").status_code == 404


@pytest.mark.parametrize("who", ["other_learner", "other_referent", "jury", "admin"])
def test_nobody_else_reads_a_fiche_or_a_visit(app, client, runner, people, triangle, who):
    open_reviews(runner)
    review = the_review(app, people.learner.id)
    with app.app_context():
        from portfolio.services import visits

        visit = visits.write(db.session.get(User, triangle.id),
                             db.session.get(User, people.learner.id), TODAY,
                             people_met="M. Lefèvre", missions="Bascule", agreed="Suite",
                             today=TODAY)
        db.session.commit()
        visit_id = visit.id
    login(client, getattr(people, who))
    for path in (f"/followup/reviews/{review.id}", f"/followup/visits/{visit_id}",
                 f"/learners/{people.learner.id}/visits/new"):
        assert client.get(path).status_code == 404, path
        assert post(client, path, {"action": "close", "body": "x"},
                    page="/").status_code == 404, path


def test_a_fiche_not_yet_sent_is_the_learners_alone(app, client, runner, people, triangle):
    open_reviews(runner)
    review = the_review(app, people.learner.id)
    for person in (people.referent, triangle):
        other = app.test_client()
        login(other, person)
        assert other.get(f"/followup/reviews/{review.id}").status_code == 404


def test_no_maitre_d_apprentissage_no_sending_and_nothing_lost(app, client, runner, people,
                                                                make_user):
    with app.app_context():
        from portfolio.services import directory, periods

        learner = db.session.get(User, people.other_learner.id)
        for a in directory.assignments_of_learner(learner):
            directory.unassign_referent(a)
        cohort = directory.get_or_create_cohort("Seuls")
        directory.add_to_cohort(cohort, learner)
        periods.add_period(cohort, "entreprise", date(2026, 9, 1), date(2026, 10, 1))
        db.session.commit()
    open_reviews(runner)
    review = the_review(app, people.other_learner.id)
    login(client, people.other_learner)
    refused = send_self_review(client, review.id, [people.competencies["C2.1"]])
    assert refused.status_code == 422
    text = html.unescape(refused.get_data(as_text=True))
    assert "Aucun maître d'apprentissage" in text and "Planifier une bascule" in text
    saved = post(client, f"/followup/reviews/{review.id}",
                 {"action": "save", "missions": "Brouillon", "learned": ""},
                 page=f"/followup/reviews/{review.id}")
    assert saved.status_code == 302
    assert the_review(app, people.other_learner.id).missions == "Brouillon"


def test_the_fiche_is_recalled_to_the_learner_every_week_and_old_periods_open_none(
        app, runner, people, triangle, outbox):
    open_reviews(runner)
    assert "0 recalled" in open_reviews(runner, TODAY + timedelta(days=3))
    assert "1 recalled" in open_reviews(runner, TODAY + timedelta(days=8))
    with app.app_context():
        from portfolio.services import directory, periods

        cohort = directory.get_or_create_cohort("ING 2026")
        periods.add_period(cohort, "entreprise", date(2025, 9, 1), date(2025, 10, 1))
        db.session.commit()
    assert "0 fiche(s) de suivi opened" in open_reviews(runner, TODAY + timedelta(days=9))


def test_the_visit_report_is_written_by_the_tuteur_academique_and_acknowledged_by_link(
        app, client, people, triangle, outbox, company_tutor):  # noqa: F811
    academic = app.test_client()
    login(academic, triangle)
    path = f"/learners/{people.learner.id}/visits/new"
    assert academic.get(path).status_code == 200
    future = (date.today() + timedelta(days=3)).isoformat()
    refused = post(academic, path, {"visited_on": future, "people_met": "M. Lefèvre",
                                    "missions": "Supervision", "agreed": "Astreintes"}, page=path)
    assert refused.status_code == 422 and "Astreintes" in refused.get_data(as_text=True)
    done = post(academic, path, {"visited_on": date.today().isoformat(),
                                 "people_met": "M. Lefèvre (DSI)", "missions": "Supervision",
                                 "agreed": "Astreintes en janvier"}, page=path)
    assert done.status_code == 302
    visit_path = done.headers["Location"]
    token = link_token(outbox, COMPANY["email"])
    visitor = app.test_client()
    page = html.unescape(visitor.get(f"/r/{token}").get_data(as_text=True))
    assert "Astreintes en janvier" in page and "J'ai lu ce compte rendu" in page
    read = post(visitor, f"/r/{token}", {"body": "D'accord pour janvier."}, page=f"/r/{token}")
    assert "Votre lecture est enregistrée" in html.unescape(read.get_data(as_text=True))
    login(client, people.learner)
    assert post(client, visit_path, {"body": ""}, page=visit_path).status_code == 302
    assert post(client, visit_path, {"body": "encore"}, page=visit_path).status_code == 422
    with app.app_context():
        visit = db.session.scalar(select(VisitReport))
        notes = db.session.scalars(select(VisitNote).order_by(VisitNote.id)).all()
        assert [(n.role, n.body) for n in notes] == [("entreprise", "D'accord pour janvier."),
                                                      ("learner", "")]
        assert visit.author_id == triangle.id
    page = html.unescape(client.get(visit_path).get_data(as_text=True))
    assert "D'accord pour janvier." in page and "Marc Lefèvre" in page
    # a maître d'apprentissage does not write visit reports
    sophie = app.test_client()
    login(sophie, people.referent)
    assert sophie.get(path).status_code == 404


def test_the_carnet_lists_what_waits(app, client, runner, people, triangle):
    open_reviews(runner)
    login(client, people.learner)
    text = html.unescape(client.get("/followup").get_data(as_text=True))
    assert "Période en entreprise du 7 septembre 2026 au 30 octobre 2026" in text
    assert "bilan de l'apprenti·e à écrire" in text
    home = html.unescape(client.get("/").get_data(as_text=True))
    assert "le bilan de votre période en entreprise du 7 septembre 2026" in home
    academic = app.test_client()
    login(academic, triangle)
    text = html.unescape(academic.get("/followup").get_data(as_text=True))
    assert "Visite chez Camille Martin" in text


def test_the_tutor_sees_each_apprentice_on_one_line_sorted_in_a_fixed_number_of_queries(
        app, client, runner, people, triangle, make_user):
    from tests.helpers import count_queries

    open_reviews(runner)
    academic = app.test_client()
    login(academic, triangle)
    text = html.unescape(academic.get("/followup/apprentices").get_data(as_text=True))
    assert "Camille Martin" in text
    row = text[text.index("Camille Martin"):]
    assert "en retard" in row[:1500]  # the period ended on 30/10, more than three weeks ago
    assert academic.get("/followup/apprentices?sort=gaps").status_code == 200
    assert academic.get("/followup/apprentices?sort=%C2%B2").status_code == 200  # ignored
    before = count_queries(app, academic, "/followup/apprentices")
    newcomers = [make_user("learner", name=f"Apprenti {n}").id for n in range(5)]
    with app.app_context():
        from portfolio.services import directory

        cohort = directory.get_or_create_cohort("ING 2026")
        for person_id in newcomers:
            person = db.session.get(User, person_id)
            directory.add_to_cohort(cohort, person)
            directory.assign_referent(person, db.session.get(User, triangle.id), "academique")
        db.session.commit()
    open_reviews(runner)
    assert count_queries(app, academic, "/followup/apprentices") == before <= 16
    text = html.unescape(academic.get("/followup/apprentices?sort=name").get_data(True))
    assert text.index("Apprenti 4") < text.index("Camille Martin")
