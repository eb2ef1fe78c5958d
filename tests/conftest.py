"""Fixtures: an app per test on a clean database, factories, and a logged-in client."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from config import TestConfig
from portfolio import create_app
from portfolio.db import db
from portfolio.extensions import limiter
from portfolio.models.site import insert_site_version
from tests.helpers import PASSWORD, login, postgres_database

PG_URL = os.environ.get("PORTFOLIO_TEST_DATABASE_URL")


def pytest_report_header(config):
    if PG_URL:
        return f"database: PostgreSQL ({make_url(PG_URL).render_as_string(hide_password=True)})"
    return "database: SQLite (set PORTFOLIO_TEST_DATABASE_URL to run on PostgreSQL too)"


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="PostgreSQL test: PORTFOLIO_TEST_DATABASE_URL is not set")
    for item in items:
        if "postgres" in item.keywords and not PG_URL:
            item.add_marker(skip_pg)


@pytest.fixture(scope="session")
def pg_database(worker_id):
    """A PostgreSQL database of this test worker's own, dropped at the end."""
    if not PG_URL:
        yield None
        return
    with postgres_database(PG_URL, f"portfolio_test_{worker_id}_{os.getpid()}") as url:
        yield url


_pg_schema_ready = set()


@pytest.fixture
def database_url(pg_database, tmp_path):
    """The URL of an empty database for one test."""
    if pg_database:
        return pg_database
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app(database_url, tmp_path):
    """An app on an empty database, with every table created, uploads in a temporary folder."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url,
                                  "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                                  "EXPORT_FOLDER": str(tmp_path / "exports")})
    with app.app_context():
        if database_url.startswith("sqlite") or database_url not in _pg_schema_ready:
            db.create_all()
            _pg_schema_ready.add(database_url)
    yield app
    with app.app_context():
        db.session.remove()
        if database_url.startswith("postgresql"):
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                insert_site_version(conn)  # as a new database has it
        db.engine.dispose()
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create an account and return a plain record of it (id, email, password...)."""
    from portfolio.services import accounts

    counter = iter(range(1, 10_000))

    def make(role: str = "learner", email: str | None = None, name: str | None = None,
             password: str | None = PASSWORD, active: bool = True, locale: str | None = None):
        n = next(counter)
        email = email or f"{role}{n}@ecole.test"
        name = name or f"{role.title()} {n}"
        with app.app_context():
            user = accounts.create_user(email=email, name=name, role=role, password=password,
                                        locale=locale)
            if not active:
                user.active = False
            db.session.commit()
            return SimpleNamespace(id=user.id, email=user.email, name=user.name, role=role,
                                   password=password)

    return make


@pytest.fixture
def login_as(client, make_user):
    """Create a user of the role, log the client in as them, and return the user."""

    def do(role: str = "learner", **kwargs):
        user = make_user(role, **kwargs)
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


@pytest.fixture
def make_entry(app, people):
    """Write an entry through the service and return its id (indico's factory pair with
    `entry`). By default the learner's, visible to referents; `tags` are ing-num codes."""
    from datetime import date

    from portfolio.models import User
    from portfolio.services import entries as entry_service

    def make(owner=None, title: str = "Migration de la base clients",
             visibility: str = "referents", tags=(), occurred_on: date = date(2026, 5, 4),
             **fields) -> int:
        with app.app_context():
            learner = db.session.get(User, (owner or people.learner).id)
            entry = entry_service.create_entry(learner, entry_service.EntryData(
                title=title, visibility=visibility, occurred_on=occurred_on,
                tags=[entry_service.TagData(people.competencies[code]) for code in tags],
                **fields))
            db.session.commit()
            return entry.id

    return make


@pytest.fixture
def entry(make_entry) -> int:
    """One entry of `people.learner`, visible to their referents, showing C2.1."""
    return make_entry(tags=["C2.1"])


@pytest.fixture
def outbox(app):
    from portfolio.mail import outbox as get_outbox

    with app.app_context():
        return get_outbox()


@pytest.fixture
def ing_num(app):
    """The shipped general engineering référentiel (ing-num), loaded once for the test."""
    from portfolio.services import framework_format as fmt
    from portfolio.services import frameworks

    path = next(p for p in frameworks.shipped_files() if p.name == "ing-num.json")
    with app.app_context():
        frameworks.import_framework(fmt.validate(fmt.parse(path.read_bytes(), path.name)))
        db.session.commit()
    return "ing-num"


@pytest.fixture
def people(app, make_user, ing_num):
    """Everyone of PRODUCT.md's permission table around one learner enrolled in ing-num.

    `learner` (enrolled, with `referent` assigned as entreprise), `other_learner` (enrolled
    too), `other_referent` (assigned to other_learner only), `jury`, `admin`; and `competencies`,
    the ing-num codes -> ids.
    """
    from portfolio.models import Competency, Framework, User
    from portfolio.services import directory, enrolments

    people = SimpleNamespace(
        learner=make_user("learner", name="Camille Martin"),
        other_learner=make_user("learner", name="Yanis Benali"),
        referent=make_user("referent", name="Sophie Durand"),
        other_referent=make_user("referent", name="Marc Petit"),
        jury=make_user("jury"), admin=make_user("admin"))
    with app.app_context():
        framework = db.session.query(Framework).filter_by(code=ing_num).one()
        for who, referent in ((people.learner, people.referent),
                              (people.other_learner, people.other_referent)):
            learner = db.session.get(User, who.id)
            enrolments.enrol(learner, framework)
            directory.assign_referent(learner, db.session.get(User, referent.id), "entreprise")
        db.session.commit()
        people.competencies = {c.code: c.id for c in db.session.query(Competency)
                               .filter_by(framework_id=framework.id)}
    return people


@pytest.fixture
def world(app, people):
    """Camille's portfolio: jury entries with tags, reflection, files, a thread; entries the
    jury must never see; levels; and Yanis's entry, which is nobody's business here."""
    import io
    from datetime import date

    from portfolio.models import Competency, User
    from portfolio.services import assessments, feedback, sharing
    from portfolio.services import attachments as attachment_service
    from portfolio.services import entries as entry_service
    from tests.helpers import PDF, png_bytes

    with app.app_context():
        learner = db.session.get(User, people.learner.id)
        referent = db.session.get(User, people.referent.id)
        c = {k: db.session.get(Competency, v) for k, v in people.competencies.items()}

        def write(title, visibility, tags=(), **fields):
            return entry_service.create_entry(learner, entry_service.EntryData(
                title=title, visibility=visibility, occurred_on=date(2026, 5, 4),
                tags=[entry_service.TagData(c[t].id, how="montré ici") for t in tags],
                **fields))

        shown = write("Refonte du pipeline", "jury", ["C2.1", "S1.2"],
                      body="Voir [le site](https://evil.example/track) et **bravo**.",
                      reflection={"strengths": "La méthode.", "next_steps": "Tester plus."})
        image = attachment_service.store_upload(shown, io.BytesIO(png_bytes()), "schema.png")
        attachment_service.store_upload(shown, io.BytesIO(PDF), "rapport.pdf")
        shown.body = shown.body + f"\n\n![schéma](/attachments/{image.id})"
        entry_service.update_entry(shown, learner, entry_service.EntryData(
            title=shown.title, body=shown.body, visibility="jury", occurred_on=date(2026, 5, 4),
            reflection=shown.reflection,
            tags=[entry_service.TagData(c["C2.1"].id), entry_service.TagData(c["S1.2"].id)]),
            shown.version)
        second = write("Soutenance de mi-parcours", "jury", ["C3.1"])
        excluded = write("Brouillon pour le jury, écarté", "jury")
        private = write("Mes doutes très privés", "private", ["C2.1"])
        tutors = write("Pour mes tuteurs seulement", "referents", ["C1.1"])
        feedback.add_comment(referent, shown, "Très *clair*, bravo.")
        assessments.assess_self(learner, c["C2.1"], 3, "Je le fais seul.")
        assessments.assess_as_referent(referent, learner, c["C2.1"], 2, "Presque.")
        assessments.assess_self(learner, c["C3.1"], 2, "En cours.")
        other = db.session.get(User, people.other_learner.id)
        entry_service.create_entry(other, entry_service.EntryData(
            title="Entrée de Yanis", visibility="jury", occurred_on=date(2026, 1, 1)))
        sharing.save_selection(learner, [excluded.id], True, True)
        db.session.commit()
        return SimpleNamespace(
            shown=shown.id, second=second.id, excluded=excluded.id, private=private.id,
            tutors=tutors.id, image=image.id,
            jury_titles=["Refonte du pipeline", "Soutenance de mi-parcours"],
            hidden_titles=["Brouillon pour le jury, écarté", "Mes doutes très privés",
                           "Pour mes tuteurs seulement", "Entrée de Yanis"])
