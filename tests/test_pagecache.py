"""The page cache and the versions it keys on: a kept page is served to its viewer only, with
their own CSRF token, and never outlives a write that changes what it shows."""

from __future__ import annotations

import html
import os
import re
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import event, select, update

from portfolio.db import db
from portfolio.models import Assignment, Competency, Entry, Notification, SiteVersion, User
from portfolio.pagecache import Page, PageCache
from portfolio.services import accounts, assessments, directory, notifications
from portfolio.services import feedback as feedback_service
from tests.helpers import CSRF_RE, PASSWORD, count_queries, create, csrf_token, login, tag_fields


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def versions(app, *people) -> tuple:
    """The site's version, then each person's."""
    with app.app_context():
        site = db.session.scalar(select(SiteVersion.value))
        return (site, *(db.session.get(User, p.id).data_version for p in people))


def without_tokens(response) -> bytes:
    """The body with each CSRF token (signed with the second it was made) replaced."""
    body = response.get_data()
    for token in {m.group(1) or m.group(2) for m in CSRF_RE.finditer(body.decode())}:
        body = body.replace(token.encode(), b"TOKEN")
    return body


def cache(app) -> PageCache:
    return app.extensions["pagecache"]


@pytest.fixture
def entry_id(client, people):
    login(client, people.learner)
    return create(client, title="Migration de la base clients", visibility="referents",
                  **tag_fields(people.competencies["C2.1"]))


def record_of(person) -> User:
    return db.session.get(User, person.id)


# Versions --------------------------------------------------------------------------------------

def test_a_write_raises_the_versions_of_whom_it_concerns(app, people, entry_id):
    before = versions(app, people.learner, people.referent, people.other_learner)
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        feedback_service.add_comment(record_of(people.referent), entry, "Bien vu.")
        db.session.commit()
    site, learner, referent, other = versions(app, people.learner, people.referent,
                                              people.other_learner)
    # the comment hangs from the learner's entry: their pages change, and those of the
    # referent who follows them; not the other learner's, not the whole site's
    assert (site, learner, referent, other) == (before[0], before[1] + 1, before[2] + 1,
                                                before[3])

    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        feedback_service.request_feedback(record_of(people.learner), entry,
                                          people.referent.id, "Avis ?")
        db.session.commit()
    after = versions(app, people.learner, people.referent, people.other_learner)
    assert after == (site, learner + 1, referent + 1, other)  # once per transaction each


def test_what_others_see_of_a_person_raises_the_site_version(app, people, client):
    site = versions(app)[0]
    login(client, people.learner)  # a login writes the user row: not the site's business
    assert versions(app)[0] == site
    with app.app_context():
        record_of(people.referent).name = "Sophie Durand-Leroy"
        db.session.commit()
    assert versions(app)[0] == site + 1


def test_bulk_statements_say_whom_they_concern_or_raise_the_site_version(app, people):
    site, learner = versions(app, people.learner)
    with app.app_context():
        notifications.mark_read(record_of(people.learner))  # says: the learner
        db.session.commit()
    assert versions(app, people.learner) == (site, learner + 1)
    with app.app_context():
        db.session.execute(update(User).where(User.id == -1).values(locale="en"),
                           execution_options={"concerns": ()})
        db.session.commit()  # says: nobody
    assert versions(app, people.learner) == (site, learner + 1)
    with app.app_context():
        db.session.execute(update(Notification).values(read_at=datetime.now(UTC)))
        db.session.commit()
    assert versions(app, people.learner) == (site + 1, learner + 1)


def test_a_rolled_back_write_raises_nothing_and_a_savepoint_counts_once(app, people):
    before = versions(app, people.learner, people.referent, people.other_referent)
    with app.app_context():
        record_of(people.learner).locale = "en"
        db.session.flush()
        db.session.rollback()
    assert versions(app, people.learner, people.referent, people.other_referent) == before
    with app.app_context():
        record_of(people.learner).locale = "en"
        db.session.flush()  # before the savepoint: must still count at the commit
        with db.session.begin_nested():
            assessments.assess_as_referent(
                record_of(people.referent), record_of(people.learner),
                db.session.get(Competency, people.competencies["C2.1"]), 2)
        db.session.commit()
    site, learner, referent, other = versions(app, people.learner, people.referent,
                                              people.other_referent)
    assert (site, learner, referent, other) == (before[0], before[1] + 1, before[2] + 1,
                                                before[3])  # not followed: unchanged


# The cache through the app ---------------------------------------------------------------------

KEPT_PAGES = ["/", "/entries", "/entries?kind=project&q=base", "/entries/{entry}", "/feedback",
              "/export/download/html"]


@pytest.mark.parametrize("path", KEPT_PAGES)
def test_a_page_seen_again_is_served_from_memory_in_one_query(app, client, people, entry_id,
                                                                path):
    path = path.format(entry=entry_id)
    client.get("/")  # the message of the save, shown once
    first = client.get(path)
    hits = cache(app).hits
    second = client.get(path)
    assert cache(app).hits == hits + 1
    assert second.status_code == first.status_code == 200
    # the same page; only the CSRF token is signed afresh (its timestamp may change second)
    assert without_tokens(second) == without_tokens(first)
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers.get("Content-Disposition") == first.headers.get("Content-Disposition")
    assert second.headers["Cache-Control"] == "no-store"
    # the login query, which reads the versions too: nothing else
    assert count_queries(app, client, path, kept=True) == 1


def test_each_browser_session_gets_its_own_csrf_token(app, people, entry_id):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, people.learner)
    login(laptop, people.learner)
    for c in (phone, laptop):
        c.get("/")  # the welcome message, shown once
    phone_page = phone.get("/").get_data(as_text=True)
    hits = cache(app).hits
    laptop_page = laptop.get("/").get_data(as_text=True)
    assert cache(app).hits == hits + 1
    tokens = {m.group(1) or m.group(2) for m in CSRF_RE.finditer(laptop_page)}
    assert len(tokens) == 1 and tokens.isdisjoint(
        {m.group(1) or m.group(2) for m in CSRF_RE.finditer(phone_page)})
    assert "\x00" not in laptop_page
    response = laptop.post("/language", data={"language": "en", "next": "/",
                                              "csrf_token": tokens.pop()})
    assert response.status_code == 302  # the token of the kept page is this browser's


def test_nobody_is_served_a_page_kept_for_someone_else(app, people, entry_id):
    learner, other = app.test_client(), app.test_client()
    login(learner, people.learner)
    login(other, people.other_learner)
    assert "Migration de la base clients" in text(learner.get("/entries"))
    assert "Migration de la base clients" not in text(other.get("/entries"))
    referent, other_referent = app.test_client(), app.test_client()
    login(referent, people.referent)
    login(other_referent, people.other_referent)
    assert referent.get(f"/entries/{entry_id}").status_code == 200
    assert referent.get(f"/entries/{entry_id}").status_code == 200
    assert other_referent.get(f"/entries/{entry_id}").status_code == 404


def test_a_flash_message_is_shown_once_and_never_kept(client, people, entry_id):
    page = text(client.get(f"/entries/{entry_id}"))
    assert "enregistrée" in page.lower()  # the message of the save, on the page it led to
    again = text(client.get(f"/entries/{entry_id}"))
    assert "enregistrée" not in again.lower() and "Migration de la base clients" in again


def _comment(app, people, entry_id, body="Pense aux tests de charge."):
    with app.app_context():
        feedback_service.add_comment(record_of(people.referent),
                                     db.session.get(Entry, entry_id), body)
        db.session.commit()


def _rename_referent(app, people, _entry_id):
    with app.app_context():
        record_of(people.referent).name = "Sophie Durand-Leroy"
        db.session.commit()


def _self_assess(app, people, _entry_id):
    with app.app_context():
        assessments.assess_self(record_of(people.learner),
                                db.session.get(Competency, people.competencies["C2.1"]), 3,
                                "Je migre seule désormais.")
        db.session.commit()


def _notify(app, people, entry_id):
    with app.app_context():
        notifications.notify(record_of(people.learner), "comment",
                             actor=record_of(people.referent),
                             entry=db.session.get(Entry, entry_id))
        db.session.commit()


@pytest.mark.parametrize("path, write, before, after", [
    ("/entries/{entry}", _comment, "Pense aux tests", "Pense aux tests de charge."),
    ("/entries/{entry}", _rename_referent, "Durand-Leroy", "Sophie Durand-Leroy"),
    # the radar's table: C2's self level, from none of its five compétences to one at 3
    ("/", _self_assess, '3,0 <span class="muted">(1/5)</span>',
     '3,0 <span class="muted">(1/5)</span>'),
    ("/entries", _notify, 'class="badge"', 'class="badge">1<'),
], ids=["comment", "rename", "self-assessment", "notification"])
def test_a_kept_page_follows_every_write_that_changes_it(app, client, people, entry_id, path,
                                                         write, before, after):
    path = path.format(entry=entry_id)
    first = text(client.get(path))
    client.get(path)  # kept
    if before:
        assert before not in first
    write(app, people, entry_id)
    page = text(client.get(path))
    assert page != first
    if after:
        assert after in page


@pytest.mark.parametrize("change", ["unassign", "private"])
def test_a_kept_page_is_not_served_after_the_right_to_read_it_went(app, client, people,
                                                                   entry_id, change):
    referent = app.test_client()
    login(referent, people.referent)
    assert referent.get(f"/entries/{entry_id}").status_code == 200
    assert referent.get(f"/entries/{entry_id}").status_code == 200  # kept
    with app.app_context():
        if change == "unassign":
            directory.unassign_referent(db.session.scalar(select(Assignment).where(
                Assignment.learner_id == people.learner.id)))
        else:
            db.session.get(Entry, entry_id).visibility = "private"
        db.session.commit()
    assert referent.get(f"/entries/{entry_id}").status_code == 404


def test_the_comment_edit_link_goes_when_its_window_closes(app, people, entry_id):
    referent = app.test_client()
    login(referent, people.referent)
    referent.get("/")  # the welcome message, shown once
    _comment(app, people, entry_id)
    path = f"/entries/{entry_id}"
    start = datetime.now(UTC)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        page = referent.get(path).get_data(as_text=True)
        assert "/edit" in page and referent.get(path).get_data(as_text=True) == page
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        page = referent.get(path).get_data(as_text=True)
        assert re.search(r"/comments/\d+/edit", page) is None


def test_the_cache_can_be_turned_off(database_url, tmp_path):
    from config import TestConfig
    from portfolio import create_app

    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url, "PAGE_CACHE_MB": 0,
                                  "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    assert app.extensions["pagecache"] is None
    with app.app_context():
        db.create_all()
        accounts.create_user(email="a@ecole.test", name="A", role="learner", password=PASSWORD)
        db.session.commit()
    client = app.test_client()
    login(client, SimpleNamespace(email="a@ecole.test", password=PASSWORD))
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    csrf_token(client, "/")


# The store -------------------------------------------------------------------------------------

def page(size: int, until: float | None = None) -> Page:
    return Page(b"x" * size, 200, (), False, until)


def test_the_store_is_bounded_and_lets_the_least_recently_used_go():
    store = PageCache(240)  # one page may take an eighth: 30 bytes
    for n in range(8):
        store.put(n, page(30))
    assert store.size == 240 and store.get(0) is not None  # 0 is now the most recently used
    store.put(8, page(30))
    assert store.get(1) is None and store.get(0) is not None and store.get(8) is not None
    assert store.size == 240
    store.put(9, page(31))  # too big for one page: not kept
    assert store.get(9) is None and store.size == 240


def test_the_store_drops_a_page_past_its_moment():
    store = PageCache(1000)
    store.put("a", page(10, until=datetime.now(UTC).timestamp() - 1))
    assert store.get("a") is None and store.size == 0


def test_an_htmx_fragment_and_its_full_page_are_kept_apart(client, people, entry_id):
    fragment_headers = {"HX-Request": "true", "HX-Target": "entry-list"}
    for _ in range(2):
        fragment = client.get("/entries", headers=fragment_headers).get_data(as_text=True)
        page = client.get("/entries").get_data(as_text=True)
        assert "<html" not in fragment and "Migration de la base clients" in fragment
        assert page.startswith("<!doctype html>") and "Migration de la base clients" in page


def test_the_jury_s_and_the_administrator_s_pages_are_not_kept(app, people):
    for person in (people.jury, people.admin):
        client = app.test_client()
        login(client, person)
        client.get("/")  # the welcome message, shown once
        hits, size = cache(app).hits, cache(app).size
        assert client.get("/").status_code == client.get("/").status_code == 200
        assert (cache(app).hits, cache(app).size) == (hits, size)


def test_the_referent_inbox_follows_a_new_request(app, people, entry_id):
    referent = app.test_client()
    login(referent, people.referent)
    referent.get("/")  # the welcome message, shown once
    assert "Un avis sur la migration ?" not in text(referent.get("/feedback"))
    referent.get("/feedback")  # kept
    with app.app_context():
        feedback_service.request_feedback(record_of(people.learner),
                                          db.session.get(Entry, entry_id), people.referent.id,
                                          "Un avis sur la migration ?")
        db.session.commit()
    assert "Un avis sur la migration ?" in text(referent.get("/feedback"))


# PostgreSQL: reads without a transaction, pings only idle connections ------------------------

@pytest.mark.postgres
def test_a_get_reads_outside_a_transaction_and_a_post_inside_one(app):
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # the POST here carries no form
    for method, autocommit in (("GET", True), ("POST", False)):
        with app.test_request_context("/entries", method=method):
            app.preprocess_request()
            assert db.session.connection().connection.dbapi_connection.autocommit is autocommit
            db.session.remove()


@pytest.mark.postgres
def test_a_connection_found_dead_after_idling_is_replaced(app, client, people, monkeypatch):
    login(client, people.learner)
    with app.app_context():
        engine = db.engine
    pings = []

    def dead_once(dbapi_connection):
        pings.append(dbapi_connection)
        if len(pings) == 1:
            raise engine.dialect.loaded_dbapi.OperationalError("server closed the connection")

    monkeypatch.setattr(engine.dialect, "do_ping", dead_once)
    connections = []

    def on_connect(*args):
        connections.append(args)

    event.listen(engine, "connect", on_connect)
    assert client.get("/account/").status_code == 200
    assert pings == []  # used a moment ago: not pinged
    later = time.monotonic() + 60
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert client.get("/account/").status_code == 200  # pinged, dead, replaced
    assert len(pings) == 1 and len(connections) == 1
    event.remove(engine, "connect", on_connect)


# The rules, made executable ---------------------------------------------------------------------

def test_every_model_is_classified_once_for_the_page_cache():
    """A new model must say whom its rows concern (portfolio/versions.py) before it lands:
    unclassified, its writes would raise the site's version, or worse, be forgotten."""
    from portfolio import versions as rules
    from portfolio.db import Base

    groups = {"OWNERS": set(rules.OWNERS), "PRIVATE": set(rules.PRIVATE),
              "THROUGH": set(rules.THROUGH), "IGNORED": set(rules.IGNORED),
              "SITE_WIDE": set(rules.SITE_WIDE)}
    wrong = []
    for mapper in Base.registry.mappers:
        found = [name for name, models in groups.items() if mapper.class_ in models]
        if len(found) != 1:
            wrong.append(f"{mapper.class_.__name__}: {found or 'unclassified'}")
    assert wrong == []


def test_a_login_and_a_token_use_raise_only_that_person(app, people, client):
    """What only its owner sees (last login, a token's last use, drafts, notifications) does
    not make their referents' kept pages go."""
    from portfolio.services import tokens

    before = versions(app, people.learner, people.referent)
    login(client, people.learner)
    with app.app_context():
        _token, secret = tokens.create_token(record_of(people.learner), "script")
        db.session.commit()
    site, learner, referent = versions(app, people.learner, people.referent)
    assert (site, referent) == (before[0], before[2]) and learner > before[1]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
                      ).status_code == 200
    assert versions(app, people.referent)[0:2] == (site, referent)


def test_a_textual_write_says_whom_it_concerns_or_raises_the_site_version(app, people):
    from sqlalchemy import text as sql

    site, learner = versions(app, people.learner)
    with app.app_context():
        db.session.execute(sql("UPDATE users SET locale = 'en' WHERE id = :id"),
                           {"id": people.learner.id},
                           execution_options={"concerns": (people.learner.id,)})
        db.session.commit()
    assert versions(app, people.learner) == (site, learner + 1)
    with app.app_context():
        db.session.execute(sql("UPDATE users SET locale = 'fr' WHERE id = :id"),
                           {"id": people.learner.id})
        db.session.commit()
    assert versions(app)[0] == site + 1


def test_only_the_listed_views_keep_their_pages():
    """@cached is for the pages of a learner's or a referent's own work (pagecache._key): a
    view joins this list once read against those rules."""
    from portfolio.pagecache import KEPT_VIEWS

    assert KEPT_VIEWS == {
        "portfolio.views.home.index", "portfolio.views.entries.timeline.index",
        "portfolio.views.entries.reading.show", "portfolio.views.feedback.index",
        "portfolio.views.exports.download"}


def test_the_benchmark_can_ask_each_page_whether_it_was_kept(app, client, people, entry_id):
    """PAGE_CACHE_REPORT (bench/mixed.py counts the hit rate and the cache's bytes with it)."""
    client.get("/")  # the message of the save, shown once
    path = f"/entries/{entry_id}"
    assert "X-Page-Cache" not in client.get(path).headers  # off unless asked for
    app.config["PAGE_CACHE_REPORT"] = True
    cache(app).clear()
    first = client.get(path).headers["X-Page-Cache"]
    process = f"pid={os.getpid()}"
    assert first == f"miss; bytes={cache(app).size}; {process}" and cache(app).size > 0
    assert client.get(path).headers["X-Page-Cache"] == f"hit; bytes={cache(app).size}; {process}"
