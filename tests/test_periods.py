"""The alternance calendar: periods per cohort, where the learner stands, entries by period."""

from __future__ import annotations

import html
import io
from datetime import date, timedelta

import pytest
import time_machine

from portfolio.db import db
from portfolio.models import Period, User
from portfolio.services import directory
from tests.helpers import as_user, login, post

TODAY = date.today()


@pytest.fixture
def cohort(app, people):
    """Camille's cohort, with a school period that ended and a company period under way."""
    with app.app_context():
        group = directory.create_cohort("Apprentis 2027")
        directory.add_to_cohort(group, db.session.get(User, people.learner.id))
        db.session.commit()
        return group.name


def run(runner, *args, env=None):
    return runner.invoke(args=["periods", *args], env=env)


def test_the_cli_adds_and_lists_periods_and_refuses_overlaps(runner, cohort):
    added = run(runner, "add", "--cohort", cohort, "--kind", "ecole", "--start", "2026-09-01",
                "--end", "2026-10-15")
    assert added.exit_code == 0 and added.stdout.split("\t")[1:] == [
        "ecole", "2026-09-01", "2026-10-15\n"]
    overlap = run(runner, "add", "--cohort", cohort, "--kind", "entreprise", "--start",
                  "2026-10-15", "--end", "2026-12-20", env={"LANG": "fr_FR.UTF-8"})
    assert overlap.exit_code == 1 and "chevauche" in overlap.output
    backwards = run(runner, "add", "--cohort", cohort, "--kind", "entreprise", "--start",
                    "2026-12-20", "--end", "2026-10-16")
    assert backwards.exit_code == 1
    unknown = run(runner, "add", "--cohort", "Nulle part", "--kind", "ecole", "--start",
                  "2026-01-01", "--end", "2026-01-02")
    assert unknown.exit_code == 1 and "Nulle part" in unknown.output
    assert run(runner, "list", "--cohort", cohort).stdout == "ecole\t2026-09-01\t2026-10-15\n"


def test_the_admin_adds_imports_and_deletes_periods(app, client, people, cohort):
    as_user(client, people.admin)
    with app.app_context():
        cohort_id = directory.find_cohort(cohort).id
    page = f"/admin/cohorts/{cohort_id}"
    added = post(client, f"{page}/periods", {"kind": "entreprise", "starts_on": "2026-10-16",
                                             "ends_on": "2026-12-20"}, page=page)
    assert added.status_code == 302
    refused = post(client, f"{page}/periods", {"kind": "ecole", "starts_on": "2026-12-01",
                                               "ends_on": "2027-01-10"}, page=page)
    assert refused.status_code == 422
    assert "chevauche celle du 16/10/2026 au 20/12/2026" in html.unescape(
        refused.get_data(as_text=True))
    csv = "type;début;fin\nécole;21/12/2026;31/01/2027\nentreprise;2027-02-01;pas une date\n"
    bad = post(client, f"{page}/periods/import",
               {"file": (io.BytesIO(csv.encode()), "calendrier.csv")}, page=page,
               content_type="multipart/form-data")
    assert bad.status_code == 422 and "ligne 3" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Period).count() == 1  # all or nothing
    good = csv.replace("pas une date", "2027-03-15")
    imported = post(client, f"{page}/periods/import",
                    {"file": (io.BytesIO(good.encode("cp1252")), "calendrier.csv")}, page=page,
                    content_type="multipart/form-data")
    assert imported.status_code == 302
    shown = html.unescape(client.get(page).get_data(as_text=True))
    assert shown.count("à l'école") >= 1 and "en entreprise" in shown
    with app.app_context():
        first = db.session.query(Period).order_by(Period.starts_on).first().id
    asked = post(client, f"/admin/periods/{first}/delete", {}, page=page)
    assert asked.status_code == 200 and "Supprimer cette période" in html.unescape(
        asked.get_data(as_text=True))  # without JavaScript, a question first
    done = post(client, f"/admin/periods/{first}/delete", {"confirmed": "1"}, page=page)
    assert done.status_code == 302
    with app.app_context():
        assert db.session.query(Period).count() == 2


def test_the_learner_sees_where_she_stands_and_the_entries_of_a_period(
        app, client, people, cohort, runner, make_entry):
    start, end = TODAY - timedelta(days=10), TODAY + timedelta(days=2)
    run(runner, "add", "--cohort", cohort, "--kind", "ecole", "--start",
        str(start - timedelta(days=60)), "--end", str(start - timedelta(days=1)))
    run(runner, "add", "--cohort", cohort, "--kind", "entreprise", "--start", str(start),
        "--end", str(end))
    run(runner, "add", "--cohort", cohort, "--kind", "ecole", "--start",
        str(end + timedelta(days=1)), "--end", str(end + timedelta(days=40)))
    make_entry(title="Au travail", occurred_on=TODAY)
    make_entry(title="En cours", occurred_on=start - timedelta(days=5))
    login(client, people.learner)
    home = html.unescape(client.get("/").get_data(as_text=True))
    assert "Période en entreprise" in home and "Ensuite : à l'école" in home
    assert "la fin de la dernière période en entreprise" not in home  # none has ended yet
    with app.app_context():
        current = db.session.query(Period).filter_by(kind="entreprise").one().id
    timeline = html.unescape(client.get(f"/entries?period={current}").get_data(as_text=True))
    assert "Au travail" in timeline and "En cours" not in timeline
    assert "1 entrée correspond aux filtres" in timeline
    # the day after the company period, the same page (kept by the page cache) has moved on
    with time_machine.travel(end + timedelta(days=1)):  # (a login lasts 14 days)
        later = html.unescape(client.get("/").get_data(as_text=True))
    assert "Période à l'école" in later
    assert "la fin de la dernière période en entreprise" in later  # the radar compares to it
