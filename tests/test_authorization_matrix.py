"""Every route of the app against another learner's data, for every role.

The table below says, for each route, what each kind of visitor gets when they aim at
Camille's data (an entry readable by her tutors and the jury, its file, her comment, her
feedback request, her notification, her share link and token). A route missing from the table
fails the suite: a new page cannot ship without an access decision. The admin pages are decided
in tests/test_admin.py (ADMIN_ROUTES) and the API in its OpenAPI document (tests/test_api.py).
"""

from __future__ import annotations

import html
import io
from datetime import date
from types import SimpleNamespace

import pytest

from portfolio.db import db
from portfolio.models import Competency, Notification, PeriodReview, User, VisitReport
from portfolio.services import attachments as attachment_service
from portfolio.services import (
    directory,
    export_jobs,
    feedback,
    periods,
    referent_links,
    sharing,
    tokens,
)
from portfolio.services import entries as entry_service
from tests.helpers import ADMIN_ROUTES, login, png_bytes

ROLES = ["anonymous", "learner", "referent", "other_referent", "jury", "admin"]
# Shorthands: who gets what.
ALL = dict.fromkeys(ROLES, 200)
USERS_200 = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)}
NOBODY = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 404)}


def only(status_for: dict, default: int = 404) -> dict:
    """Logged-in roles get `default` unless named; anonymous visitors go to the login page."""
    return {"anonymous": 302, **{r: status_for.get(r, default) for r in ROLES[1:]}}


def referent_only(status: int = 200) -> dict:
    return only({"referent": status})


def learner_only(status: int = 200) -> dict:
    return only({"learner": status})


# endpoint -> (method, url, form data, expected status per role)
MATRIX = {
    "home.index": ("GET", "/", None, USERS_200),
    "home.set_language": ("POST", "/language", {"language": "fr"}, dict.fromkeys(ROLES, 302)),
    "health.healthz": ("GET", "/healthz", None, ALL),
    "health.readyz": ("GET", "/readyz", None, ALL),
    "static": ("GET", "/static/css/app.css", None, ALL),
    "auth.login": ("GET", "/login", None, {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}),
    "auth.forgot_password": ("GET", "/password/forgot", None, ALL),
    "auth.reset_password": ("GET", "/password/reset/not-a-token", None,
                            dict.fromkeys(ROLES, 302)),
    "auth.accept_invitation": ("GET", "/invitation/not-a-token", None,
                               dict.fromkeys(ROLES, 302)),
    "account.settings": ("GET", "/account/", None, USERS_200),
    "account.my_data": ("GET", "/account/data", None, USERS_200),
    "account.update_profile": ("POST", "/account/profile", {"name": ""},
                               {"anonymous": 302, **dict.fromkeys(ROLES[1:], 422)}),
    "account.change_password": ("POST", "/account/password", {"current": "x"},
                                {"anonymous": 302, **dict.fromkeys(ROLES[1:], 422)}),
    "account.create_token": ("POST", "/account/tokens", {"name": "t"},
                             {"anonymous": 302, **dict.fromkeys(ROLES[1:], 201)}),
    "account.revoke_token": ("POST", "/account/tokens/{api_token}/revoke", {}, NOBODY),
    "account.erase": ("POST", "/account/erase", {"password": "wrong", "confirmed": "1"},
                      dict.fromkeys(ROLES, 302)),
    "account.confirm_email": ("POST", "/account/email/confirm", {"password": "wrong"},
                              dict.fromkeys(ROLES, 302)),
    "account.decline_email": ("POST", "/account/email/decline", {}, dict.fromkeys(ROLES, 302)),
    "entries.csrf_token": ("GET", "/csrf-token", None, ALL),
    "entries.index": ("GET", "/entries", None,
                      only({"learner": 200, "referent": 200, "other_referent": 200})),
    "entries.new": ("GET", "/entries/new", None, learner_only()),
    "entries.create": ("POST", "/entries", {"title": ""}, learner_only(422)),
    "entries.show": ("GET", "/entries/{entry}", None, referent_only()),
    "entries.edit": ("GET", "/entries/{entry}/edit", None, NOBODY),
    "entries.update": ("POST", "/entries/{entry}", {"title": "Écrasé"}, NOBODY),
    "entries.history": ("GET", "/entries/{entry}/history", None, NOBODY),
    "entries.delete": ("POST", "/entries/{entry}/delete", {"confirmed": "1"}, NOBODY),
    "entries.autosave": ("POST", "/entries/draft", {"entry_id": "{entry}", "title": "x"},
                         {"anonymous": 401, **dict.fromkeys(ROLES[1:], 404)}),
    "entries.discard_draft": ("POST", "/entries/draft/discard",
                              {"entry_id": "{entry}", "confirmed": "1"},
                              NOBODY),
    "entries.preview": ("POST", "/entries/preview", {"body": "**x**"}, USERS_200),
    "entries.picker": ("GET", "/entries/picker?q=c2", None, learner_only()),
    "imports.leap2a": ("GET", "/import", None, learner_only()),
    "imports.import_leap2a_file": ("POST", "/import", {}, learner_only(422)),
    "entries.tag_row": ("GET", "/entries/tag-row?competency={competency}", None,
                        learner_only()),
    "entries.attachment": ("GET", "/attachments/{attachment}", None, referent_only()),
    "feedback.comment": ("POST", "/entries/{entry}/comments", {"body": "Un mot"},
                         referent_only(302)),
    "feedback.edit_comment": ("GET", "/comments/{comment}/edit", None, NOBODY),
    "feedback.update_comment": ("POST", "/comments/{comment}", {"body": "x"}, NOBODY),
    "feedback.delete_comment": ("POST", "/comments/{comment}/delete", {"confirmed": "1"}, NOBODY),
    "feedback.ask": ("POST", "/entries/{entry}/feedback-requests", {"referent": "{referent}"},
                     NOBODY),
    "feedback.index": ("GET", "/feedback", None,
                       only({"learner": 200, "referent": 200, "other_referent": 200})),
    "feedback.show": ("GET", "/feedback/{request}", None, referent_only()),
    "feedback.withdraw": ("POST", "/feedback/{request}/withdraw", {"confirmed": "1"}, NOBODY),
    "feedback.close": ("POST", "/feedback/{request}/close", {}, NOBODY),
    "feedback.answer": ("POST", "/feedback/{request}/answer", {"body": "Vu."},
                        referent_only(302)),
    "feedback.notifications_index": ("GET", "/notifications", None, USERS_200),
    "feedback.read_notification": ("POST", "/notifications/{notification}/read", {}, NOBODY),
    "feedback.read_all_notifications": ("POST", "/notifications/read-all", {},
                                        dict.fromkeys(ROLES, 302)),
    "frameworks.index": ("GET", "/frameworks/", None, USERS_200),
    "frameworks.show": ("GET", "/frameworks/ing-num", None, USERS_200),
    "frameworks.competency": ("GET", "/frameworks/ing-num/competencies/C2.1", None, USERS_200),
    "frameworks.mine": ("GET", "/frameworks/mine", None, learner_only()),
    "progress.learner": ("GET", "/learners/{learner}", None, referent_only()),
    "progress.evidence": ("GET", "/learners/{learner}/evidence", None, referent_only()),
    "progress.assessment_page": ("GET", "/learners/{learner}/frameworks/ing-num", None,
                                 referent_only()),
    "progress.competency": ("GET", "/learners/{learner}/competencies/{competency}", None,
                            referent_only()),
    "progress.set_self_level": ("POST", "/learners/{learner}/competencies/{competency}/self",
                                {"level": "2", "justification": "x"}, NOBODY),
    "progress.set_referent_level": ("POST",
                                    "/learners/{learner}/competencies/{competency}/referent",
                                    {"level": "2"}, referent_only(302)),
    "exports.index": ("GET", "/export", None, learner_only()),
    "exports.save": ("POST", "/export", {"include_feedback": "1"}, learner_only(302)),
    "exports.preview": ("GET", "/export/preview", None, learner_only()),
    "exports.download": ("GET", "/export/download/html", None, learner_only()),
    "exports.create_link": ("POST", "/export/links", {"days": "3"}, learner_only(201)),
    "exports.start_job": ("POST", "/export/jobs", {"format": "zip"}, learner_only(303)),
    "exports.job": ("GET", "/export/jobs/{export_job}", None, NOBODY),
    "exports.job_file": ("GET", "/export/jobs/{export_job}/file", None, NOBODY),
    "exports.revoke_link": ("POST", "/export/links/{link}/revoke", {"confirmed": "1"}, NOBODY),
    "exports.shared": ("GET", "/s/{token}", None, ALL),
    # The carnet de liaison: the learner and their referents (a learner has their own list).
    "followup.index": ("GET", "/followup", None,
                       only({"learner": 200, "referent": 200, "other_referent": 200})),
    "followup.review": ("GET", "/followup/reviews/{review}", None, referent_only()),
    "followup.apprentices": ("GET", "/followup/apprentices", None,
                             only({"referent": 200, "other_referent": 200})),
    "followup.visit": ("GET", "/followup/visits/{visit}", None, referent_only()),
    "followup.new_visit": ("GET", "/learners/{learner}/visits/new", None, NOBODY),
    "exports.shared_file": ("GET", "/s/{token}/files/{attachment}", None, ALL),
    # A link under /r/ is the key whoever holds it (logged in or not): the referent's own
    # request, its files, its answer form (a level off the scale: refused, nothing written).
    "referent_links.show": ("GET", "/r/{rtoken}", None, ALL),
    "referent_links.file": ("GET", "/r/{rtoken}/files/{attachment}", None, ALL),
    "referent_links.answer": ("POST", "/r/{rtoken}", {"level-{competency}": "x"},
                              dict.fromkeys(ROLES, 422)),
    "referent_links.ask": ("GET", "/r/", None, ALL),
    "referent_links.choose_password": ("POST", "/r/{rtoken}/password", {}, ALL),
    # Camille (or an admin) stops the link sent to her maître d'apprentissage; nobody else.
    "feedback.revoke_link": ("POST", "/referent-links/{rlink}/revoke", {}, only({"admin": 302})),
    # These end the visitor's own session: they run last.
    "account.logout_everywhere": ("POST", "/account/logout-everywhere", {"confirmed": "1"},
                                  dict.fromkeys(ROLES, 302)),
    "auth.logout": ("POST", "/logout", {}, dict.fromkeys(ROLES, 302)),
}
DELEGATED = ("admin.", "admin_frameworks.", "admin_periods.", "admin_rncp.", "api.")


@pytest.fixture
def camille(app, people):
    """Camille's data, that everybody else aims at."""
    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        referent = db.session.get(User, people.referent.id)
        c21 = db.session.get(Competency, people.competencies["C2.1"])
        entry = entry_service.create_entry(learner, entry_service.EntryData(
            title="L'entrée de Camille", visibility="jury", occurred_on=date(2026, 5, 1),
            tags=[entry_service.TagData(c21.id)]))
        attachment = attachment_service.store_upload(entry, io.BytesIO(png_bytes()),
                                                     "preuve.png")
        comment = feedback.add_comment(learner, entry, "Mon commentaire")
        request = feedback.request_feedback(learner, entry, referent.id, "Un avis ?")
        feedback.add_comment(referent, entry, "Réponse du tuteur")  # notifies Camille
        notification = db.session.scalar(db.select(Notification.id).where(
            Notification.user_id == learner.id))
        link, token = sharing.create_link(learner, "Jury", 30)
        api_token, _secret = tokens.create_token(learner, "script")
        export_job = export_jobs.start(learner, "zip")
        rlink, rtoken = referent_links.issue(referent, learner.id, referent_links.FEEDBACK,
                                             request.id)
        cohort = directory.get_or_create_cohort("Matrice")
        directory.add_to_cohort(cohort, learner)
        period = periods.add_period(cohort, "entreprise", date(2026, 3, 2), date(2026, 4, 30))
        review = PeriodReview(learner_id=learner.id, period_id=period.id, state="company")
        visit = VisitReport(learner_id=learner.id, author_id=None, visited_on=date(2026, 4, 1))
        db.session.add_all([review, visit])
        db.session.commit()
        return SimpleNamespace(
            entry=entry.id, attachment=attachment.id, comment=comment.id, request=request.id,
            notification=notification, link=link.id, token=token, competency=c21.id,
            learner=learner.id, referent=referent.id, api_token=api_token.id,
            export_job=export_job.id, rtoken=rtoken, rlink=rlink.id, review=review.id,
            visit=visit.id)


def test_every_route_has_a_decision(app):
    admin_prefixes = {p.split("{")[0].rstrip("/") for _m, p in ADMIN_ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(DELEGATED):
            if rule.endpoint.startswith("admin"):
                assert rule.rule.split("<")[0].rstrip("/") in admin_prefixes, rule.rule
            continue
        if rule.endpoint not in MATRIX:
            missing.append(f"{rule.endpoint} {rule.rule}")
        else:
            method = MATRIX[rule.endpoint][0]
            assert method in rule.methods, (rule.endpoint, method)
    assert missing == [], "routes without an access decision:\n" + "\n".join(missing)


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix(app, client, people, camille, role):
    who = {"learner": people.other_learner, "referent": people.referent,
           "other_referent": people.other_referent, "jury": people.jury,
           "admin": people.admin}.get(role)
    if who is not None:
        assert login(client, who).status_code == 302
    wrong = []
    for method, url, data, expected in MATRIX.values():
        path = url.format(**vars(camille))
        if method == "GET":
            response = client.get(path)
        else:
            form = {k: str(v).format(**vars(camille)) for k, v in (data or {}).items()}
            form["csrf_token"] = client.get("/csrf-token").json["token"]
            response = client.post(path, data=form)
        if response.status_code != expected[role]:
            wrong.append(f"{method} {url}: {response.status_code}, expected {expected[role]}")
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


# Once Camille makes the entry private after asking her referent about it (or withdraws the
# request), the referent keeps at most the version asked on: no current title or text anywhere,
# no answer, no reminder. Route -> the referent's status.
SECRET_TITLE, SECRET_BODY = "Mes doutes sur le stage", "Ce que je n'ose pas dire"
PRIVATE_AFTER_REQUEST = {
    ("GET", "/"): 200,
    ("GET", "/feedback"): 200,
    ("GET", "/feedback?state=all"): 200,
    ("GET", "/feedback/{request}"): 200,
    ("GET", "/notifications"): 200,
    ("GET", "/entries/{entry}"): 404,
    ("GET", "/entries/{entry}/history"): 404,
    ("GET", "/attachments/{attachment}"): 404,
    ("GET", "/entries?learner={learner}"): 200,
    ("GET", "/api/v1/feedback-requests"): 200,
    ("GET", "/api/v1/entries/{entry}"): 404,
    ("POST", "/feedback/{request}/answer"): 422,
    ("POST", "/api/v1/feedback-requests/{request}/answer"): 422,
    ("GET", "/r/{rtoken}"): 200,  # the link shows the version asked on, nothing newer
    ("GET", "/r/{rtoken}/files/{attachment}"): 404,
    ("POST", "/r/{rtoken}"): 422,
}


@pytest.mark.parametrize("how", ["made private", "withdrawn then made private"])
def test_an_entry_made_private_after_a_request_is_closed_to_the_referent(
        app, client, people, camille, outbox, how):
    from datetime import timedelta

    import time_machine

    from portfolio.db import utcnow
    from portfolio.models import Assessment, Comment, Entry, FeedbackRequest

    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        if how.startswith("withdrawn"):
            feedback.withdraw(learner, db.session.get(FeedbackRequest, camille.request))
        entry = db.session.get(Entry, camille.entry)
        entry_service.update_entry(entry, learner, entry_service.EntryData(
            title=SECRET_TITLE, body=SECRET_BODY, visibility="private",
            occurred_on=entry.occurred_on, tags=[entry_service.TagData(camille.competency)]),
            entry.version)
        _item, secret = tokens.create_token(db.session.get(User, people.referent.id), "tutor")
        db.session.commit()
        comments = db.session.scalar(db.select(db.func.count(Comment.id)))
    login(client, people.referent)
    api = {"Authorization": f"Bearer {secret}"}
    wrong = []
    for (method, url), expected in PRIVATE_AFTER_REQUEST.items():
        path = url.format(**vars(camille))
        if method == "GET":
            response = client.get(path, headers=api if path.startswith("/api") else {})
        elif path.startswith("/api"):
            response = client.post(path, json={"body": "Bien.", "assessments": [
                {"competency": "ing-num:C2.1", "level": 3}]}, headers=api)
        else:
            response = client.post(path, data={
                "body": "Bien.", f"level-{camille.competency}": "3",
                "csrf_token": client.get("/csrf-token").json["token"]})
        text = response.get_data(as_text=True)
        if response.status_code != expected or SECRET_TITLE in text or SECRET_BODY in text:
            wrong.append(f"{method} {url}: {response.status_code} (expected {expected})"
                         + (" shows the private text" if SECRET_TITLE in text
                            or SECRET_BODY in text else ""))
    assert wrong == [], "\n".join(wrong)
    page = client.get(f"/feedback/{camille.request}").get_data(as_text=True)
    assert "L&#39;entrée de Camille" in page  # the version asked on stays
    assert f"/feedback/{camille.request}/answer" not in page  # no answer form
    inbox = client.get("/feedback?state=all").get_data(as_text=True)
    assert "Entrée rendue privée" in inbox or "Demande retirée" in inbox
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Comment.id))) == comments
        assert db.session.scalar(db.select(db.func.count(Assessment.id)).where(
            Assessment.source == "referent")) == 0
    outbox.clear()
    runner = app.test_cli_runner()
    with time_machine.travel(utcnow() + timedelta(days=30), tick=False):
        result = runner.invoke(args=["notify", "reminders"])
    assert result.exit_code == 0, result.output
    assert all(SECRET_TITLE not in (m.subject + m.body) for m in outbox)
    assert [m.to for m in outbox] == []


def test_every_destructive_action_asks_first_without_javascript(app, client, people, camille):
    """Without JavaScript there is no dialog: the first post answers a page with the question
    and nothing is done; the same post with `confirmed=1` (that page's button) does it."""
    from portfolio.vocabulary import CONFIRM

    who = {"learner": people.learner, "admin": people.admin}
    asked = []
    for role in ("learner", "admin"):
        login(client, who[role])
        for endpoint in CONFIRM:
            if endpoint not in MATRIX or endpoint.startswith(("admin", "account.")):
                continue
            _method, url, data, _expected = MATRIX[endpoint]
            form = {k: str(v).format(**vars(camille)) for k, v in (data or {}).items()
                    if k != "confirmed"}
            form["csrf_token"] = client.get("/csrf-token").json["token"]
            response = client.post(url.format(**vars(camille)), data=form)
            page = response.get_data(as_text=True)
            if response.status_code == 404:
                continue
            assert response.status_code == 200, (endpoint, response.status_code)
            assert str(CONFIRM[endpoint]) in html.unescape(page), endpoint
            assert 'name="confirmed" value="1"' in page and "Non, revenir" in page
            asked.append(endpoint)
        client.post("/logout", data={"csrf_token": client.get("/csrf-token").json["token"]})
    assert {"entries.delete", "feedback.delete_comment", "feedback.withdraw",
            "exports.revoke_link"} <= set(asked)
    with app.app_context():  # nothing was done
        from portfolio.models import Comment, Entry, FeedbackRequest, ShareLink

        assert db.session.get(Entry, camille.entry) is not None
        assert db.session.get(Comment, camille.comment) is not None
        assert db.session.get(FeedbackRequest, camille.request).state == "requested"
        assert db.session.get(ShareLink, camille.link).revoked_at is None
