"""Logging in and out, revocable sessions, rate limits, password reset and change."""

import re
import time

import pytest
import time_machine

from tests.helpers import PASSWORD, csrf_token, login, post


def test_login_then_dashboard(client, make_user):
    user = make_user("learner", name="Camille Martin")
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Bonjour Camille Martin" in page


def test_login_email_is_case_insensitive(client, make_user):
    user = make_user("learner", email="Camille.Martin@Ecole.test")
    assert user.email == "camille.martin@ecole.test"
    response = client.post("/login", data={"email": "CAMILLE.martin@ecole.TEST",
                                           "password": PASSWORD,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302


@pytest.mark.parametrize("email,password", [
    ("known", "wrong password here"),
    ("nobody@ecole.test", "wrong password here"),
])
def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_user, email, password):
    user = make_user("learner")
    response = client.post("/login", data={
        "email": user.email if email == "known" else email, "password": password,
        "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Adresse ou mot de passe incorrect." in page
    assert client.get("/account/").status_code == 302  # not logged in


def test_inactive_account_cannot_log_in(client, make_user):
    user = make_user("learner", active=False)
    response = login(client, user)
    assert response.status_code == 422
    assert "désactivé" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


def test_inactive_account_with_wrong_password_says_nothing_more(client, make_user):
    user = make_user("learner", active=False)
    response = login(client, user, password="not the password at all")
    assert "désactivé" not in response.get_data(as_text=True)


def test_next_is_followed_only_on_this_site(client, make_user):
    user = make_user("learner")
    token = csrf_token(client)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": "/account/", "csrf_token": token})
    assert response.headers["Location"] == "/account/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                               "next": target,
                                               "csrf_token": csrf_token(client)})
        assert response.headers["Location"] == "/", target
        client.post("/logout", data={"csrf_token": csrf_token(client, "/account/")})


def test_logout_and_replayed_cookie_is_refused(client, make_user):
    user = make_user("learner")
    login(client, user)
    stolen = client.get_cookie("portfolio_session").value
    assert client.get("/account/").status_code == 200
    response = post(client, "/logout")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 302
    client.set_cookie("portfolio_session", stolen)
    response = client.get("/account/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_remember_cookie_is_revoked_by_logout(client, make_user):
    user = make_user("learner")
    login(client, user, remember=True)
    remember = client.get_cookie("portfolio_remember")
    assert remember is not None and remember.http_only
    value = remember.value
    post(client, "/logout")
    client.delete_cookie("portfolio_session")
    client.set_cookie("portfolio_remember", value)
    assert client.get("/account/").status_code == 302


def test_remember_cookie_restores_a_session(client, make_user):
    user = make_user("learner")
    login(client, user, remember=True)
    client.delete_cookie("portfolio_session")
    assert client.get("/account/").status_code == 200


def test_login_session_expires(client, make_user):
    user = make_user("learner")
    login(client, user)
    with time_machine.travel("2099-01-01", tick=False):
        assert client.get("/account/").status_code == 302


def test_password_change_revokes_old_cookies(client, make_user, app):
    user = make_user("learner")
    login(client, user)
    other_device = app.test_client()
    login(other_device, user)
    old_cookie = client.get_cookie("portfolio_session").value
    new_password = "a brand new passphrase"
    response = post(client, "/account/password", {
        "current": PASSWORD, "new": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200  # this device stays in
    assert other_device.get("/account/").status_code == 302  # the other is out
    replay = app.test_client()
    replay.set_cookie("portfolio_session", old_cookie)
    assert replay.get("/account/").status_code == 302
    # And the new password works, the old one no longer.
    fresh = app.test_client()
    assert login(fresh, user).status_code == 422
    assert login(fresh, user, password=new_password).status_code == 302


def test_password_change_needs_the_current_password(client, login_as):
    login_as("referent")
    response = post(client, "/account/password", {
        "current": "not my password", "new": "another passphrase", "confirm": "another passphrase"})
    assert response.status_code == 422
    assert "Le mot de passe actuel n&#39;est pas le bon." in response.get_data(as_text=True)


def test_password_change_refuses_short_password(client, login_as):
    login_as("learner")
    response = post(client, "/account/password", {
        "current": PASSWORD, "new": "short", "confirm": "short"})
    assert response.status_code == 422
    assert "au moins 12 caractères" in response.get_data(as_text=True)


def test_password_change_needs_a_fresh_login(client, make_user):
    user = make_user("learner")
    login(client, user, remember=True)
    client.delete_cookie("portfolio_session")  # the remember cookie logs in, not fresh
    response = post(client, "/account/password", {
        "current": PASSWORD, "new": "another passphrase", "confirm": "another passphrase"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_everywhere(client, make_user, app):
    user = make_user("learner")
    login(client, user)
    other = app.test_client()
    login(other, user)
    post(client, "/account/logout-everywhere", {"confirmed": "1"})
    assert client.get("/account/").status_code == 302
    assert other.get("/account/").status_code == 302


def test_deactivation_ends_sessions(client, make_user, app):
    user = make_user("learner")
    login(client, user)
    admin_client = app.test_client()
    admin = make_user("admin")
    login(admin_client, admin)
    post(admin_client, f"/admin/users/{user.id}/deactivate", {"confirmed": "1"},
         page=f"/admin/users/{user.id}")
    assert client.get("/account/").status_code == 302


# Rate limiting -----------------------------------------------------------------------------

def test_login_is_rate_limited_per_account(client, make_user, app):
    app.config["RATELIMIT_LOGIN_PER_ACCOUNT"] = "3 per minute"
    user = make_user("learner")
    statuses = [login(client, user, password="wrong password!").status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    response = login(client, user, password="wrong password!")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Trop de tentatives" in response.get_data(as_text=True)
    # Another account from the same address is not blocked...
    assert login(client, make_user("learner")).status_code == 302
    post(client, "/logout")
    # ...and this is no permanent lock-out: a minute later the right password works.
    with time_machine.travel(time.time() + 61, tick=False):
        assert login(client, user).status_code == 302


def test_login_is_rate_limited_per_ip(client, make_user, app):
    app.config["RATELIMIT_LOGIN_PER_IP"] = "2 per minute"
    users = [make_user("learner") for _ in range(3)]
    statuses = [login(client, u, password="wrong password!").status_code for u in users]
    assert statuses == [422, 422, 429]


def test_successful_logins_do_not_count(client, make_user, app):
    app.config["RATELIMIT_LOGIN_PER_ACCOUNT"] = "2 per minute"
    user = make_user("learner")
    for _ in range(4):
        assert login(client, user).status_code == 302
        post(client, "/logout")


# Password reset ----------------------------------------------------------------------------

def _reset_link(mail) -> str:
    match = re.search(r"https://portfolio\.example\.org(/password/reset/\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_password_reset_flow(client, make_user, outbox, app):
    user = make_user("learner")
    # A forged Host header must not end up in the link (the cookie would not follow it, so
    # this one request goes without the CSRF check).
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/password/forgot", data={"email": user.email.upper()},
                           headers={"Host": "evil.example"})
    app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 302
    assert len(outbox) == 1
    assert outbox[0].to == user.email
    assert "evil.example" not in outbox[0].body  # built from PUBLIC_URL, not from Host
    path = _reset_link(outbox[0])
    page = client.get(path)
    assert page.status_code == 200
    new = "my new long passphrase"
    response = client.post(path, data={"password": new, "confirm": new,
                                       "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and response.headers["Location"] == "/"  # signed in
    post(client, "/logout")
    assert login(client, user, password=new).status_code == 302
    post(client, "/logout")
    # The link works once.
    response = client.get(path)
    assert response.status_code == 302
    assert "/password/forgot" in response.headers["Location"]


def test_password_reset_answers_the_same_for_unknown_addresses(client, make_user, outbox):
    user = make_user("learner")
    answers = []
    for email in [user.email, "nobody@ecole.test"]:
        response = client.post("/password/forgot", data={"email": email,
                                                         "csrf_token": csrf_token(client)})
        answers.append((response.status_code, response.headers["Location"]))
        answers.append(client.get("/login").get_data(as_text=True).count("Si un compte existe"))
    assert answers[0] == answers[2] and answers[1] == answers[3] == 1
    assert len(outbox) == 1


def test_password_reset_link_expires(client, make_user, outbox):
    user = make_user("learner")
    client.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(client)})
    path = _reset_link(outbox[0])
    with time_machine.travel(time.time() + 3 * 3600, tick=False):
        response = client.get(path)
    assert response.status_code == 302


def test_password_reset_refuses_a_forged_token(client):
    response = client.get("/password/reset/not-a-real-token")
    assert response.status_code == 302
    assert "/password/forgot" in response.headers["Location"]


def test_reset_revokes_existing_sessions(client, make_user, outbox, app):
    user = make_user("learner")
    login(client, user)
    other = app.test_client()
    other.post("/password/forgot", data={"email": user.email, "csrf_token": csrf_token(other)})
    path = _reset_link(outbox[0])
    new = "my new long passphrase"
    other.post(path, data={"password": new, "confirm": new, "csrf_token": csrf_token(other, path)})
    assert client.get("/account/").status_code == 302


# htmx and unauthenticated requests ---------------------------------------------------------

def test_unauthenticated_htmx_request_gets_401_and_hx_redirect(client):
    response = client.get("/admin/users?q=x", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_unauthenticated_page_redirects_to_login_with_next(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/account/")


@pytest.mark.parametrize("how", ["password change", "password reset", "log out everywhere",
                                 "erasure request"])
def test_api_tokens_end_with_the_logins(client, people, app, outbox, how):
    """A token is a login of a script: a new password, "log out everywhere" and an erasure
    request end it; the erasure request ends the share links too (nobody reads a portfolio
    being erased)."""
    from sqlalchemy import select

    from portfolio.db import db
    from portfolio.models import ShareLink, User
    from portfolio.services import sharing, tokens

    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        _item, token = tokens.create_token(learner, "script")
        _link, share = sharing.create_link(learner, "Jury", 30)
        db.session.commit()
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=api).status_code == 200
    assert client.get(f"/s/{share}").status_code == 200
    login(client, people.learner)
    new = "une toute nouvelle phrase"
    if how == "password change":
        post(client, "/account/password", {"current": people.learner.password, "new": new,
                                           "confirm": new})
    elif how == "password reset":
        post(client, "/password/forgot", {"email": people.learner.email}, page="/password/forgot")
        path = _reset_link(outbox[-1])
        client.post(path, data={"password": new, "confirm": new,
                                "csrf_token": csrf_token(client, path)})
    elif how == "log out everywhere":
        post(client, "/account/logout-everywhere", {"confirmed": "1"})
    else:
        post(client, "/account/erase", {"confirmed": "1", "password": people.learner.password})
    assert client.get("/api/v1/me", headers=api).status_code == 401, how
    with app.app_context():
        revoked = db.session.scalar(select(ShareLink.revoked_at))
    assert (revoked is not None) == (how == "erasure request")
    assert client.get(f"/s/{share}").status_code == (404 if how == "erasure request" else 200)


def test_a_refused_form_says_so_in_the_title_and_its_summary_takes_the_focus(client, login_as):
    response = client.post("/login", data={"email": "x@ecole.test", "password": "faux",
                                           "csrf_token": csrf_token(client, "/login")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>Erreur : " in page
    assert re.search(r'<div class="form-errors" role="alert" id="error-summary" tabindex="-1" '
                     r'autofocus>', page)
    login_as("learner")
    page = client.post("/entries", data={"title": "", "csrf_token": client.get(
        "/csrf-token").json["token"], "action": "save"}).get_data(as_text=True)
    assert "<title>Erreur : " in page and 'href="#title"' in page  # the field, linked
