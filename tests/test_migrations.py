"""Migrations: an empty database upgrades to head, matches the models, and downgrades."""

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from config import TestConfig
from portfolio import create_app
from portfolio.db import db
from portfolio.search import is_search_table


@pytest.fixture
def empty_app(database_url, pg_database):
    """An app whose database has no table at all (not even create_all's)."""
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        _drop_everything()
    yield app
    with app.app_context():
        _drop_everything()
        if pg_database:
            db.create_all()  # leave the worker's database as the other tests expect it
        db.engine.dispose()


def _drop_everything():
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _not_search_table(name, type_, parent_names):
    return not (type_ == "table" and name and is_search_table(name))


def _diff(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_name": _not_search_table})
        return compare_metadata(context, db.metadata)


def test_upgrade_to_head_then_no_drift(empty_app):
    with empty_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        dialect = db.engine.dialect.name
    assert {"users", "login_sessions", "cohorts", "cohort_members", "assignments",
            "entries", "entry_tags", "attachments", "entry_revisions", "drafts"} <= tables
    assert ("entry_search" if dialect == "postgresql" else "entry_fts") in tables
    assert _diff(empty_app) == []


def test_downgrade_to_base_removes_every_table(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()


@pytest.mark.postgres
def test_postgres_upgrade_and_drift(pg_database, empty_app):
    assert empty_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    with empty_app.app_context():
        upgrade()
    assert _diff(empty_app) == []


def test_sqlite_connection_settings(tmp_path):
    app = create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/s.db"})
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        db.engine.dispose()


def test_the_ligature_migration_reindexes_entries_written_before_it(empty_app):
    """An entry indexed before search folded ligatures ("œuvr") is found by "oeuvre" after."""
    from portfolio.models import Entry, Role
    from portfolio.search import matches
    from portfolio.services import accounts
    from portfolio.services import entries as entry_service

    with empty_app.app_context():
        upgrade()
        learner = accounts.create_user(email="l@example.org", name="L", role=Role.LEARNER,
                                       password="mot-de-passe-long-2026")
        entry = entry_service.create_entry(learner, entry_service.EntryData(
            title="Mise en œuvre", visibility="private", body="Le chef-d'œuvre.",
            occurred_on=date(2026, 5, 4)))
        db.session.commit()
        entry_id = entry.id
        # the index as the code before the migration wrote it: ligatures kept
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("UPDATE entry_search SET document = "
                                    "to_tsvector('simple', 'mis en œuvr le chef d œuvr')"))
        else:
            db.session.execute(text("UPDATE entry_fts SET content = 'mis en œuvr le chef d œuvr'"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="f6a0b4c8d3e9")  # as it was before the migration

        def found(query):
            return db.session.scalars(select(Entry.id).where(matches(query))).all()

        assert found("oeuvre") == []
        db.session.remove()
        upgrade()
        assert found("oeuvre") == [entry_id] == found("œuvre")


def test_a_migration_that_rebuilds_users_on_sqlite_keeps_the_rows_pointing_at_it(empty_app):
    """SQLite's batch mode copies a table, drops the old one and renames: with foreign keys on,
    dropping `users` cascaded to every entry (migrations/env.py turns them off meanwhile)."""
    from portfolio.models import Role
    from portfolio.services import accounts
    from portfolio.services import entries as entry_service

    with empty_app.app_context():
        upgrade()
        learner = accounts.create_user(email="l@example.org", name="L", role=Role.LEARNER)
        entry_service.create_entry(learner, entry_service.EntryData(
            title="Gardée", visibility="private", occurred_on=date(2026, 5, 4)))
        db.session.commit()
        db.session.remove()
        downgrade(revision="b3f1c2d4e5a6")  # drops users.pending_email and invited_at
        count = db.session.scalar(text("SELECT count(*) FROM entries"))
        keys = db.session.scalar(text("PRAGMA foreign_keys")) \
            if db.engine.dialect.name == "sqlite" else 1
        db.session.remove()
        upgrade()
    assert count == 1 and keys == 1
