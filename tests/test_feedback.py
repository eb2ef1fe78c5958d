"""The feedback loop through the test client: ask, inbox, answer, notify, close; comments."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from portfolio.db import db
from portfolio.models import Assessment, Comment, Entry, FeedbackRequest, Notification
from tests.helpers import as_user, create, edit, login, post, tag_fields

HX = {"HX-Request": "true"}


def text(response) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def ask(client, people, entry_id, **extra):
    return post(client, f"/entries/{entry_id}/feedback-requests",
                {"referent": str(people.referent.id), "message": "Qu'en pensez-vous ?", **extra})


@pytest.fixture
def entry_id(client, people):
    login(client, people.learner)
    return create(client, visibility="referents", body="Première version\nligne B",
                  **tag_fields(people.competencies["C2.1"]))


def request_row(app):
    with app.app_context():
        return db.session.scalar(select(FeedbackRequest))


def test_the_whole_loop(client, people, entry_id, app, outbox):
    response = ask(client, people, entry_id)
    assert response.status_code == 302
    item = request_row(app)
    assert (item.state, item.entry_version, item.referent_id) == ("requested", 1,
                                                                  people.referent.id)
    assert [m.to for m in outbox] == [people.referent.email]
    assert "Qu'en pensez-vous ?" in outbox[0].body and f"/feedback/{item.id}" in outbox[0].body
    assert "Demandes de retour" in client.get(f"/entries/{entry_id}").get_data(as_text=True)

    as_user(client, people.referent)
    home = client.get("/").get_data(as_text=True)
    assert "Migration de la base clients" in home and "aujourd" in home
    assert re.search(r'class="badge">1<', home)  # the notification counter
    inbox = client.get("/feedback").get_data(as_text=True)
    assert "Camille Martin" in inbox and "Qu&#39;en pensez-vous ?" in inbox
    page = client.get(f"/feedback/{item.id}").get_data(as_text=True)
    assert "Répondre" in page and f'name="level-{people.competencies["C2.1"]}"' in page
    response = post(client, f"/feedback/{item.id}/answer", {
        "body": "Très **bien** : pense aux tests.",
        f"level-{people.competencies['C2.1']}": "3"})
    assert response.status_code == 302
    assert request_row(app).state == "answered"
    with app.app_context():
        level = db.session.scalar(select(Assessment))
        assert (level.source, level.level, level.assessor_id) == ("referent", 3,
                                                                  people.referent.id)
        answer = db.session.scalar(select(Comment))
        assert answer.request_id == item.id and "<strong>bien</strong>" in answer.body_html
    assert outbox[-1].to == people.learner.email and "répondu" in outbox[-1].subject
    assert "Aucune demande ici" in client.get("/feedback").get_data(as_text=True)

    as_user(client, people.learner)
    home = client.get("/").get_data(as_text=True)
    assert "réponse à lire" in home
    notes = client.get("/notifications").get_data(as_text=True)
    assert "Sophie Durand a répondu" in notes
    with app.app_context():
        note_id = db.session.scalar(select(Notification.id).where(
            Notification.user_id == people.learner.id))
    opened = post(client, f"/notifications/{note_id}/read")
    assert opened.headers["Location"].endswith(f"/feedback/{item.id}")
    page = client.get(f"/feedback/{item.id}").get_data(as_text=True)
    assert "<strong>bien</strong>" in page and "Clore la demande" in page
    assert 'class="badge"' not in page
    assert post(client, f"/feedback/{item.id}/close").status_code == 302
    with app.app_context():
        closed = db.session.scalar(select(FeedbackRequest))
        assert closed.state == "closed"
        assert [e.state for e in closed.events] == ["requested", "answered", "closed"]
        assert all(e.created_at for e in closed.events)
    mine = client.get("/feedback").get_data(as_text=True)
    assert "Sophie Durand" in mine and "close" in mine


def test_withdraw_before_an_answer_only(client, people, entry_id, app):
    ask(client, people, entry_id)
    item = request_row(app)
    assert post(client, f"/feedback/{item.id}/withdraw", {"confirmed": "1"}).status_code == 302
    assert request_row(app).state == "withdrawn"
    as_user(client, people.referent)
    assert "Aucune demande ici" in client.get("/feedback").get_data(as_text=True)
    response = post(client, f"/feedback/{item.id}/answer", {"body": "trop tard"})
    assert response.status_code == 422
    assert "n'attend plus de réponse" in text(response)
    as_user(client, people.learner)
    post(client, f"/feedback/{item.id}/close")  # nothing to close: refused with a message
    assert request_row(app).state == "withdrawn"


def test_a_referent_who_is_not_assigned_can_neither_see_nor_answer(client, people, entry_id,
                                                                    app):
    ask(client, people, entry_id)
    item = request_row(app)
    for who in (people.other_referent, people.other_learner, people.jury, people.admin):
        as_user(client, who)
        assert client.get(f"/feedback/{item.id}").status_code == 404
        assert post(client, f"/feedback/{item.id}/answer",
                    {"body": "intrus"}).status_code == 404
        assert post(client, f"/feedback/{item.id}/withdraw", {"confirmed": "1"}).status_code == 404
    as_user(client, people.other_referent)
    assert "Migration" not in client.get("/feedback").get_data(as_text=True)
    assert request_row(app).state == "requested"
    # Asking someone who is not one's referent is refused.
    as_user(client, people.learner)
    response = post(client, f"/entries/{entry_id}/feedback-requests",
                    {"referent": str(people.other_referent.id)})
    assert response.status_code == 422
    assert "Choisissez l&#39;un de vos tuteurs" in response.get_data(as_text=True)


def test_a_private_entry_needs_its_visibility_raised(client, people, app):
    login(client, people.learner)
    private = create(client, title="Entrée privée")
    response = ask(client, people, private)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Cette entrée est privée" in page and 'id="raise-visibility"' in page
    assert request_row(app) is None
    assert ask(client, people, private, raise_visibility="1").status_code == 302
    with app.app_context():
        entry = db.session.get(Entry, private)
        assert entry.visibility == "referents" and entry.version == 2
    assert request_row(app).entry_version == 2
    # Asking the same referent twice while they have not answered is refused.
    assert ask(client, people, private).status_code == 422


def test_the_referent_sees_the_version_asked_and_the_changes_since(client, people, entry_id,
                                                                    app):
    ask(client, people, entry_id)
    item = request_row(app)
    assert edit(client, entry_id, 1, body="Première version\nligne B corrigée",
                visibility="referents").status_code == 302
    as_user(client, people.referent)
    page = text(client.get(f"/feedback/{item.id}"))
    assert "telle qu'elle était (version 1)" in page
    assert "Elle a changé depuis (version 2" in page
    assert re.search(r'<del class="diff-line diff-delete">.*?− ligne B</del>', page)
    assert re.search(r'<ins class="diff-line diff-insert">.*?\+ ligne B corrigée</ins>', page)


def test_comments_through_htmx_and_the_edit_window(client, people, entry_id, app):
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        as_user(client, people.referent)
        response = post(client, f"/entries/{entry_id}/comments", {"body": "Bravo *Camille*"},
                        headers=HX)
        fragment = response.get_data(as_text=True)
        assert response.status_code == 200 and fragment.lstrip().startswith('<section id="thread"')
        assert "<em>Camille</em>" in fragment and "Modifier" in fragment
        with app.app_context():
            comment_id = db.session.scalar(select(Comment.id))
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert client.get(f"/comments/{comment_id}/edit").status_code == 200
        response = post(client, f"/comments/{comment_id}", {"body": "Bravo Camille !"})
        assert response.status_code == 302
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        page = client.get(f"/entries/{entry_id}").get_data(as_text=True)
        assert "Bravo Camille !" in page and "modifié" in page
        assert f"/comments/{comment_id}/edit" not in page
        response = post(client, f"/comments/{comment_id}", {"body": "réécrit après coup"},
                        headers=HX)
        assert response.status_code == 422
        post(client, f"/comments/{comment_id}/delete", {"confirmed": "1"})
        with app.app_context():
            kept = db.session.get(Comment, comment_id)
            assert kept is not None and kept.body == "Bravo Camille !"
        # The learner answers in the thread, without JavaScript; nobody else may touch it.
        as_user(client, people.learner)
        response = post(client, f"/entries/{entry_id}/comments", {"body": "Merci !"})
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "#comments")
        assert post(client, f"/comments/{comment_id}", {"body": "pirate"}).status_code == 404
        with app.app_context():
            own = db.session.scalar(select(Comment.id).where(Comment.body == "Merci !"))
        assert post(client, f"/comments/{own}/delete", {"confirmed": "1"}).status_code == 302
        with app.app_context():
            assert db.session.get(Comment, own) is None
        empty = post(client, f"/entries/{entry_id}/comments", {"body": "  "}, headers=HX)
        assert empty.status_code == 422 and "Écrivez votre commentaire" in text(empty)


@pytest.mark.parametrize("who, visibility, status", [
    ("other_referent", "referents", 404), ("other_learner", "referents", 404),
    ("jury", "jury", 404), ("admin", "jury", 404), ("referent", "private", 404),
    ("referent", "referents", 302), ("learner", "private", 302)])
def test_who_may_comment(client, people, app, who, visibility, status):
    login(client, people.learner)
    target = create(client, visibility=visibility)
    as_user(client, getattr(people, who))
    assert post(client, f"/entries/{target}/comments", {"body": "Un mot"}).status_code == status


def test_a_comment_notifies_the_other_side(client, people, entry_id, app, outbox):
    as_user(client, people.referent)
    post(client, f"/entries/{entry_id}/comments", {"body": "Un mot"})
    assert [m.to for m in outbox] == [people.learner.email]
    assert "Nouveau commentaire" in outbox[0].subject


def test_reminders_once_per_period(client, people, entry_id, app, runner, outbox):
    day0 = datetime.now(UTC)
    with time_machine.travel(day0, tick=False):
        ask(client, people, entry_id)
    sent = []
    for day in (3, 8, 9, 14, 16):
        with time_machine.travel(day0 + timedelta(days=day), tick=False):
            before = len(outbox)
            result = runner.invoke(args=["notify", "reminders", "--days", "7"])
            assert result.exit_code == 0, result.output
            sent.append(len(outbox) - before)
    assert sent == [0, 1, 0, 0, 1]  # day 8, then a week later (day 16), never twice a week
    reminder = outbox[-1]
    assert reminder.to == people.referent.email and "attend votre réponse" in reminder.subject
    # An answered request is not reminded of.
    item = request_row(app)
    with app.app_context():
        db.session.get(FeedbackRequest, item.id).state = "answered"
        db.session.commit()
    with time_machine.travel(day0 + timedelta(days=30), tick=False):
        before = len(outbox)
        runner.invoke(args=["notify", "reminders", "--days", "7"])
        assert len(outbox) == before


def test_email_opt_out_is_respected(client, people, entry_id, app, outbox):
    as_user(client, people.referent)
    page = client.get("/account/").get_data(as_text=True)
    assert 'name="email_notifications"' in page and "checked" in page
    response = post(client, "/account/profile", {"name": "Sophie Durand", "locale": ""})
    assert response.status_code == 302  # the box left unticked: email off
    as_user(client, people.learner)
    ask(client, people, entry_id)
    assert outbox == []
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id)).where(
            Notification.user_id == people.referent.id)) == 1
    as_user(client, people.referent)
    assert re.search(r'class="badge">1<', client.get("/").get_data(as_text=True))
    post(client, "/notifications/read-all")
    assert 'class="badge"' not in client.get("/").get_data(as_text=True)


def test_deleting_an_entry_takes_its_thread_and_requests(client, people, entry_id, app):
    ask(client, people, entry_id)
    post(client, f"/entries/{entry_id}/comments", {"body": "Une note"})
    assert post(client, f"/entries/{entry_id}/delete", {"confirmed": "1"}).status_code == 302
    with app.app_context():
        for model in (Comment, FeedbackRequest, Notification):
            assert db.session.scalar(select(func.count(model.id))) == 0, model


def test_mails_speak_the_recipients_language(client, people, entry_id, app, outbox):
    from portfolio.models import User

    with app.app_context():
        db.session.get(User, people.learner.id).locale = "en"
        db.session.commit()
    as_user(client, people.referent)  # the referent writes in French
    post(client, f"/entries/{entry_id}/comments", {"body": "Un mot"})
    assert outbox[-1].subject == "New comment from Sophie Durand"
    assert "commented on" in outbox[-1].body


def test_the_tutor_answers_with_what_they_need_in_view(client, people, app):
    """The answer form shows, per compétence: its full title, the learner's self level and
    why, the tutor's current level, the criteria ticked and the "en quoi"; the entry's files;
    the learner then reads which levels came with the answer."""
    import io

    from tests.helpers import png_bytes

    login(client, people.learner)
    c21 = people.competencies["C2.1"]
    with app.app_context():
        from portfolio.models import Competency

        criterion = db.session.get(Competency, c21).criteria[0]
        criterion_id, criterion_text = criterion.id, criterion.text
    entry_id = create(client, visibility="referents",
                      files=(io.BytesIO(png_bytes()), "maquette.png"),
                      **tag_fields(c21, criteria=[str(criterion_id)], how="le schéma en 3NF"))
    post(client, f"/learners/{people.learner.id}/competencies/{c21}/self",
         {"level": "2", "justification": "Je progresse sur la modélisation."})
    ask(client, people, entry_id)
    item = request_row(app)
    as_user(client, people.referent)
    page = html.unescape(client.get(f"/feedback/{item.id}").get_data(as_text=True))
    form = page.split('class="card answer-form"')[1].split("</form>")[0]
    with app.app_context():
        from portfolio.models import Competency

        title = db.session.get(Competency, c21).title
    assert title in form
    assert "Auto-évaluation de Camille Martin : <strong>2 · En cours d'acquisition" in form
    assert "Je progresse sur la modélisation." in form
    assert "Votre niveau actuel : aucun" in form
    assert criterion_text[:60] in form and "le schéma en 3NF" in form
    assert "maquette.png" in page
    post(client, f"/feedback/{item.id}/answer", {"body": "Bien vu.", f"level-{c21}": "3"})
    as_user(client, people.learner)
    page = html.unescape(client.get(f"/feedback/{item.id}").get_data(as_text=True))
    given = page.split("Niveau donné avec cette réponse")[1].split("</ul>")[0]
    assert "C2.1" in given and "3 ·" in given
