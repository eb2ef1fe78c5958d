"""The maître d'apprentissage without an account: named, asked by link, answers once."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from portfolio.db import db, utcnow
from portfolio.models import Assessment, Comment, FeedbackRequest, ReferentLink, User
from tests.helpers import as_user, login, post

COMPANY = {"email": "marc.tuteur@airbus.example", "name": "Marc Lefèvre", "company": "Airbus"}


@pytest.fixture
def company_tutor(app, runner, people):
    """Camille's maître d'apprentissage, named on the command line: no account, no password."""
    result = runner.invoke(args=[
        "users", "assign", "--learner", people.learner.email, "--referent", COMPANY["email"],
        "--kind", "entreprise", "--name", COMPANY["name"], "--company", COMPANY["company"]])
    assert result.exit_code == 0, result.output
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == COMPANY["email"]))
        assert (person.role, person.link_only, person.company, person.password_hash) == (
            "referent", True, "Airbus", None)
        person.locale = "fr"
        db.session.commit()
        return person.id


def ask(client, people, entry_id: int, referent_id: int, outbox,
        to: str = COMPANY["email"]) -> str:
    """Camille (logged in) asks; the token of the link in the mail that went to the tutor."""
    before = len(outbox)
    response = post(client, f"/entries/{entry_id}/feedback-requests",
                    {"referent": str(referent_id), "message": "Qu'en pensez-vous ?"},
                    page=f"/entries/{entry_id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    mails = [m for m in outbox[before:] if m.to == to]
    assert len(mails) == 1, [m.subject for m in outbox[before:]]  # the link, not an inbox mail
    assert "Qu'en pensez-vous ?" in mails[0].body  # in the tutor's language (see below)
    return re.search(r"/r/([A-Za-z0-9_-]{40,})", mails[0].body).group(1)


def test_an_unknown_address_without_a_name_is_refused(runner, people):
    result = runner.invoke(args=["users", "assign", "--learner", people.learner.email,
                                 "--referent", "personne@x.example", "--kind", "entreprise"])
    assert result.exit_code == 1 and "personne@x.example" in result.output


def test_the_tutor_answers_once_by_the_link_and_the_learner_sees_it(
        app, client, people, make_entry, company_tutor, outbox):
    entry_id = make_entry(title="Migration de la base", tags=["C2.1"])
    login(client, people.learner)
    token = ask(client, people, entry_id, company_tutor, outbox)
    visitor = app.test_client()  # logged out, no cookie of Camille's
    page = visitor.get(f"/r/{token}")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    assert "Migration de la base" in text and "Choisir un mot de passe" in text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "/feedback\"" not in text and "/entries/" not in text  # no way into the app
    competency = people.competencies["C2.1"]
    answered = post(visitor, f"/r/{token}", {"body": "Très bon travail, **rigoureux**.",
                                             f"level-{competency}": "3"}, page=f"/r/{token}")
    assert answered.status_code == 200
    assert "Merci pour votre retour." in html.unescape(answered.get_data(as_text=True))
    with app.app_context():
        request = db.session.scalar(select(FeedbackRequest).where(
            FeedbackRequest.entry_id == entry_id))
        assert request.state == "answered"
        level = db.session.scalar(select(Assessment).where(Assessment.request_id == request.id))
        assert (level.level, level.assessor_id, level.source) == (3, company_tutor, "referent")
        comment = db.session.scalar(select(Comment).where(Comment.request_id == request.id))
        assert comment.author_id == company_tutor
        link = db.session.scalar(select(ReferentLink))
        assert link.answered_at is not None and len(link.accesses) >= 1
    # the learner sees the answer and the level (the same records as an inbox answer)
    entry_page = html.unescape(client.get(f"/entries/{entry_id}").get_data(as_text=True))
    assert "rigoureux" in entry_page and "Marc Lefèvre" in entry_page
    assert "répondu" in entry_page  # the link's state beside the request
    # a second answer is refused, the page still opens to say it was answered
    again = post(visitor, f"/r/{token}", {"body": "Encore"}, page=f"/r/{token}")
    assert again.status_code == 422
    assert "<textarea" not in visitor.get(f"/r/{token}").get_data(as_text=True)


def test_an_expired_or_revoked_link_is_a_404_and_a_fresh_one_can_be_asked(
        app, client, people, make_entry, company_tutor, outbox):
    login(client, people.learner)
    first = ask(client, people, make_entry(title="Première"), company_tutor, outbox)
    visitor = app.test_client()
    with time_machine.travel(utcnow() + timedelta(days=15)):
        assert visitor.get(f"/r/{first}").status_code == 404
    # asking /r/ for fresh links: the same answer for a known and an unknown address
    before = len(outbox)
    for address in ("inconnu@x.example", COMPANY["email"].upper()):
        answer = post(visitor, "/r/", {"email": address}, page="/r/")
        assert answer.status_code == 200
        assert "Si cette adresse est celle d'un tuteur" in html.unescape(
            answer.get_data(as_text=True))
    fresh = [m for m in outbox[before:] if m.to == COMPANY["email"]]
    assert len(fresh) == 1 and [m for m in outbox[before:] if m.to == "inconnu@x.example"] == []
    second = re.search(r"/r/([A-Za-z0-9_-]{40,})", fresh[0].body).group(1)
    assert visitor.get(f"/r/{first}").status_code == 404  # the fresh link replaced it
    assert visitor.get(f"/r/{second}").status_code == 200
    # Camille revokes it: 404 at once
    with app.app_context():
        link_id = db.session.scalar(select(ReferentLink.id).where(
            ReferentLink.revoked_at.is_(None)))
    revoked = post(client, f"/referent-links/{link_id}/revoke", {}, page="/entries")
    assert revoked.status_code == 302
    assert visitor.get(f"/r/{second}").status_code == 404
    assert visitor.get("/r/not-a-token").status_code == 404


def test_the_link_page_speaks_the_tutors_language(app, client, people, make_entry,
                                                  company_tutor, outbox):
    with app.app_context():
        db.session.get(User, company_tutor).locale = "en"
        db.session.commit()
    login(client, people.learner)
    token = ask(client, people, make_entry(title="Revue"), company_tutor, outbox)
    mail = [m for m in outbox if m.to == COMPANY["email"]][-1]
    assert mail.subject == "Camille Martin asks for your feedback"
    assert "To read the entry and answer (no account, no password):" in mail.body
    page = app.test_client().get(f"/r/{token}", headers={"Accept-Language": "fr"})
    text = page.get_data(as_text=True)
    assert '<html lang="en">' in text and "Send the answer" in text


def test_a_reminder_sends_a_fresh_link_and_the_tutor_may_choose_a_password(
        app, client, people, make_entry, company_tutor, outbox, runner):
    login(client, people.learner)
    first = ask(client, people, make_entry(title="Rapport"), company_tutor, outbox)
    with time_machine.travel(utcnow() + timedelta(days=8)):
        result = runner.invoke(args=["notify", "reminders"])
        assert result.exit_code == 0, result.output
    mails = [m for m in outbox if m.to == COMPANY["email"]]
    assert len(mails) == 2 and "/r/" in mails[-1].body
    second = re.search(r"/r/([A-Za-z0-9_-]{40,})", mails[-1].body).group(1)
    visitor = app.test_client()
    assert visitor.get(f"/r/{first}").status_code == 404
    chosen = post(visitor, f"/r/{second}/password", {}, page=f"/r/{second}")
    assert chosen.status_code == 200
    invitation = outbox[-1]
    assert invitation.to == COMPANY["email"] and "/invitation/" in invitation.body
    token = re.search(r"/invitation/([^\s]+)", invitation.body).group(1)
    form = visitor.get(f"/invitation/{token}").get_data(as_text=True)
    answer = visitor.post(f"/invitation/{token}", data={
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                                form).group(1),
        "password": "un-mot-de-passe-solide", "confirm": "un-mot-de-passe-solide"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:1500]
    with app.app_context():
        person = db.session.get(User, company_tutor)
        assert person.password_hash is not None and person.link_only is False


def test_the_admin_names_a_company_tutor_and_sees_their_links(app, client, people,
                                                              make_entry, outbox):
    as_user(client, people.admin)
    named = post(client, f"/admin/users/{people.learner.id}/company-tutor",
                 {"name": "Julie Martin", "email": "julie@entreprise.example",
                  "company": "Thales"}, page=f"/admin/users/{people.learner.id}")
    assert named.status_code == 302, named.get_data(as_text=True)[:2000]
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == "julie@entreprise.example"))
        assert person.link_only and person.company == "Thales"
        person_id = person.id
    refused = post(client, f"/admin/users/{people.learner.id}/company-tutor",
                   {"name": "", "email": "pas-une-adresse"},
                   page=f"/admin/users/{people.learner.id}")
    assert refused.status_code == 422 and "pas-une-adresse" in refused.get_data(as_text=True)
    as_user(client, people.learner)
    ask(client, people, make_entry(title="Projet"), person_id, outbox,
        to="julie@entreprise.example")
    as_user(client, people.admin)
    page = html.unescape(client.get(f"/admin/users/{person_id}").get_data(as_text=True))
    assert "Maître d'apprentissage sans compte (Thales)" in page and "valable" in page
    with app.app_context():
        link_id = db.session.scalar(select(ReferentLink.id))
    post(client, f"/admin/referent-links/{link_id}/revoke", {}, page=f"/admin/users/{person_id}")
    assert "révoqué" in html.unescape(client.get(f"/admin/users/{person_id}").get_data(
        as_text=True))


