"""Browsing référentiels, the admin import page, and enrolments (web and CLI)."""

import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from portfolio.db import db
from portfolio.models import Enrolment, User
from portfolio.services import frameworks as service
from tests.helpers import csrf_token, post


@pytest.fixture
def shipped(app):
    with app.app_context():
        service.load_shipped_frameworks()
        db.session.commit()


@pytest.mark.parametrize("role", ["learner", "referent", "jury", "admin"])
def test_everyone_logged_in_reads_a_référentiel(client, login_as, shipped, role):
    login_as(role)
    page = client.get("/frameworks/ing-num").get_data(as_text=True)
    assert "Se connaître et s&#39;évaluer" in page
    assert "Contribue aux blocs C1 à C3" in page
    assert "Mobilise les sous-blocs transversaux" in page
    assert client.get("/frameworks/").status_code == 200
    assert client.get("/frameworks/ing-info/competencies/BLOC7.1").status_code == 200


def test_anonymous_visitors_go_to_login(client, shipped):
    response = client.get("/frameworks/ing-num")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_framework_and_competency_are_404(client, login_as, shipped):
    login_as("learner")
    assert client.get("/frameworks/nope").status_code == 404
    assert client.get("/frameworks/ing-num/competencies/C9.9").status_code == 404


def test_filter_folds_accents_and_works_without_javascript(client, login_as, shipped):
    login_as("referent")
    page = client.get("/frameworks/ing-num?q=evaluer").get_data(as_text=True)
    assert "Se connaître et s&#39;évaluer" in page          # "s'évaluer"
    assert "Evaluer et mesurer la performance" in page      # "Evaluer" without accent
    assert "Planifier le projet" not in page
    assert "<html" in page


def test_filter_with_htmx_returns_the_blocks_only(client, login_as, shipped):
    login_as("learner")
    response = client.get("/frameworks/ing-num?q=C4.3",
                          headers={"HX-Request": "true", "HX-Target": "framework-blocks"})
    text = response.get_data(as_text=True)
    assert "<html" not in text and "Planifier le projet" in text
    assert "Conduire le projet" not in text
    assert "1 compétence correspond" in text


def test_competency_page_shows_its_criteria(client, login_as, shipped):
    login_as("learner")
    page = client.get("/frameworks/ing-num/competencies/S1.1").get_data(as_text=True)
    assert "Connaissance et mobilisation de ses forces, et ses points de progrès" in page
    assert "Sous-bloc" not in page or "S1" in page


def test_framework_pages_make_a_bounded_number_of_queries(client, login_as, shipped, app):
    from sqlalchemy import event

    login_as("learner")
    counts = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        counts.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/frameworks/ing-info")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(counts) <= 8  # login session, framework, blocks, compétences, criteria


# Admin: import, export ------------------------------------------------------------------------

def _upload(client, content: bytes, name: str, force=False):
    data = {"file": (io.BytesIO(content), name),
            "csrf_token": csrf_token(client, "/admin/frameworks")}
    if force:
        data["force"] = "y"
    return client.post("/admin/frameworks", data=data, content_type="multipart/form-data")


def test_admin_imports_and_exports_a_framework(client, login_as):
    login_as("admin")
    content = (service.SHIPPED / "ing-num.json").read_bytes()
    response = _upload(client, content, "ing-num.json")
    assert response.status_code == 200
    assert "importé" in response.get_data(as_text=True)
    response = _upload(client, content, "ing-num.json")
    assert "déjà à jour" in response.get_data(as_text=True)
    download = client.get("/admin/frameworks/ing-num/export?format=json")
    assert download.headers["Content-Disposition"] == 'attachment; filename="ing-num.json"'
    assert json.loads(download.data) == json.loads(content)
    yaml_download = client.get("/admin/frameworks/ing-num/export?format=yaml")
    assert yaml_download.mimetype == "application/yaml"
    assert client.get("/admin/frameworks/nope/export").status_code == 404


def test_admin_import_lists_every_problem(client, login_as, app):
    login_as("admin")
    bad = json.dumps({"code": "x", "title": "X", "version": "1", "blocks": [
        {"code": "C1", "title": "B", "mobilises": ["S9"], "competencies": [
            {"code": "C1.1", "title": "A"}, {"code": "C1.1", "title": "B"}]}]})
    response = _upload(client, bad.encode(), "x.json")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "2 problèmes, rien n'a été importé" in page
    assert "blocks[0].competencies[1].code: code en double « C1.1 »" in page
    assert "blocks[0].mobilises[0]: bloc mobilisé inconnu « S9 »" in page
    with app.app_context():
        assert service.list_frameworks() == []


# Enrolment ----------------------------------------------------------------------------------

def test_admin_enrols_a_learner_in_some_blocks(client, login_as, make_user, shipped, app):
    login_as("admin")
    learner = make_user("learner")
    page = f"/admin/users/{learner.id}"
    # The form shows the blocks of one référentiel: the first, or the one asked for.
    form = client.get(page).get_data(as_text=True)
    assert 'value="ing-info:BLOC1"' in form and 'value="ing-num:C1"' not in form
    form = client.get(f"{page}?framework=ing-num").get_data(as_text=True)
    assert 'value="ing-num:C1"' in form and 'value="ing-info:BLOC1"' not in form
    # A bloc of another référentiel ticked (a stale page, a forged form) enrols in nothing.
    response = post(client, f"/admin/users/{learner.id}/enrolments", {
        "framework": "ing-info", "blocks": ["ing-info:BLOC1", "ing-num:C4"]}, page=page)
    assert response.status_code == 302
    shown = client.get(page).get_data(as_text=True)
    assert "ing-num:C4" in shown and "rien n&#39;a été inscrit" in shown.replace("'", "&#39;")
    with app.app_context():
        assert db.session.scalar(select(Enrolment)) is None
    response = post(client, f"/admin/users/{learner.id}/enrolments", {
        "framework": "ing-info", "blocks": ["ing-info:BLOC1", "ing-info:BLOC7"]}, page=page)
    assert response.status_code == 302
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment))
        assert [b.code for b in enrolment.block_list()] == ["BLOC1", "BLOC7"]
    assert "BLOC1, BLOC7" in client.get(page).get_data(as_text=True)


def test_enrolment_always_includes_the_transversal_blocks(app, make_user, shipped, runner):
    learner = make_user("learner")
    result = runner.invoke(args=["enrol", "--learner", learner.email, "--framework", "ing-num",
                                 "--blocks", "C2"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment))
        assert [b.code for b in enrolment.block_list()] == ["C2", "S1", "S2", "S3"]


def test_enrol_refuses_unknown_blocks_and_non_learners(runner, make_user, shipped):
    learner = make_user("learner")
    referent = make_user("referent")
    result = runner.invoke(args=["enrol", "--learner", learner.email, "--framework", "ing-num",
                                 "--blocks", "C9"])
    assert result.exit_code == 1 and "C9" in result.stderr
    result = runner.invoke(args=["enrol", "--learner", referent.email, "--framework", "ing-num"])
    assert result.exit_code == 1
    result = runner.invoke(args=["enrol", "--learner", learner.email, "--framework", "nope"])
    assert result.exit_code == 1


def test_enrol_a_whole_cohort(client, login_as, make_user, shipped, app, runner):
    from portfolio.services import directory

    login_as("admin")
    a, b = make_user("learner"), make_user("learner")
    with app.app_context():
        cohort = directory.create_cohort("Apprentis 2027")
        for learner in (a, b):
            directory.add_to_cohort(cohort, db.session.get(User, learner.id))
        db.session.commit()
        cohort_id = cohort.id
    cohort_page = f"/admin/cohorts/{cohort_id}"
    assert "Aucun membre n'est encore inscrit" in client.get(cohort_page).get_data(
        as_text=True)
    # One learner chose their own blocks first: the cohort's enrolment keeps them.
    runner.invoke(args=["enrol", "--learner", a.email, "--framework", "ing-num",
                        "--blocks", "C4"])
    post(client, f"{cohort_page}/enrolments", {"framework": "ing-num"}, page=cohort_page)
    page = client.get(cohort_page).get_data(as_text=True)
    assert "1 apprenti·e inscrit·e à « ing-num »" in page
    assert "1 apprenti·e déjà inscrit·e garde les blocs" in page and a.name in page
    assert "ing-num (2 apprenti·es sur 2)" in page  # the page says what the cohort follows
    with app.app_context():
        by_learner = {e.learner_id: [x.code for x in e.blocks]
                      for e in db.session.scalars(select(Enrolment))}
        assert sorted(by_learner) == [a.id, b.id] and "C4" in by_learner[a.id]
        assert by_learner[b.id] == []  # all blocks
    post(client, f"{cohort_page}/enrolments", {"framework": "ing-num", "replace": "1"},
         page=cohort_page)
    with app.app_context():
        assert [e.blocks for e in db.session.scalars(select(Enrolment))] == [[], []]
    title = client.get(cohort_page).get_data(as_text=True).split("<title>")[1].split("</title>")[0]
    assert "<" not in title and "Apprentis 2027" in title and len(title) < 120
    result = runner.invoke(args=["enrol", "--cohort", "Apprentis 2027", "--framework",
                                 "ing-info", "--blocks", "BLOC1,BLOC2,BLOC3,BLOC5"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.query(Enrolment).count() == 4


def test_learner_sees_only_their_blocks(client, make_user, shipped, runner, login_as):
    learner = login_as("learner")
    runner.invoke(args=["enrol", "--learner", learner.email, "--framework", "ing-info",
                        "--blocks", "BLOC1,BLOC2,BLOC3,BLOC7"])
    page = client.get("/frameworks/mine").get_data(as_text=True)
    assert "BLOC7.1" in page and "BLOC1.1" in page
    assert "BLOC4" not in page and "BLOC8" not in page


def test_my_frameworks_is_for_learners_only(client, login_as):
    login_as("referent")
    assert client.get("/frameworks/mine").status_code == 404


def test_unenrol(client, login_as, make_user, shipped, app, runner):
    login_as("admin")
    learner = make_user("learner")
    runner.invoke(args=["enrol", "--learner", learner.email, "--framework", "ing-num"])
    with app.app_context():
        enrolment_id = db.session.scalar(select(Enrolment.id))
    post(client, f"/admin/enrolments/{enrolment_id}/delete", {"confirmed": "1"},
         page=f"/admin/users/{learner.id}")
    with app.app_context():
        assert db.session.scalar(select(Enrolment)) is None


def test_demo_loads_the_référentiels_and_enrolments(runner, app):
    result = runner.invoke(args=["demo"])
    assert "ing-info, ing-num" in result.stderr
    with app.app_context():
        assert db.session.query(Enrolment).count() == 2
    # Camille's year tells a story once only: entries over months, some for the jury, levels
    # that progress (so every past comparison has something), an answered and a pending request.
    runner.invoke(args=["demo"])
    with app.app_context():
        from portfolio.models import Assessment, Entry, FeedbackRequest, PeriodReview, VisitNote
        from portfolio.services.demo import ENTRIES, FICHES, LEVELS

        entries = db.session.query(Entry).all()
        assert len(entries) == len(ENTRIES)
        assert sum(e.visibility == "jury" for e in entries) >= 3
        days = sorted((date.today() - e.occurred_on).days for e in entries)
        assert days[0] < 30 and days[-1] > 300
        given = sum(len(s) + len(t) for _c, s, t in LEVELS) + 1  # + the answer's level
        given += sum(len(fiche[3]) for fiche in FICHES)  # + the maître d'apprentissage's
        assert db.session.query(Assessment).count() == given
        # the carnet de liaison: two closed fiches (in the export), one waiting, a visit read
        reviews = db.session.query(PeriodReview).order_by(PeriodReview.created_at).all()
        assert [(r.state, r.in_export) for r in reviews] == [
            ("closed", True), ("closed", True), ("company", False)]
        assert all(r.created_at.date() > r.period.ends_on for r in reviews)
        assert db.session.query(Assessment).filter(
            Assessment.referent_kind == "entreprise").count() == 6
        assert db.session.query(VisitNote).count() == 1
        ages = {(date.today() - a.created_at.date()).days for a in db.session.query(Assessment)}
        assert max(ages) > 300 and min(ages) == 0
        assert sorted(r.state for r in db.session.query(FeedbackRequest)) == [
            "answered", "requested"]
        assert any(e.attachments for e in entries)
    from portfolio.exports import build_model
    from portfolio.services import sharing

    with app.app_context():
        camille = db.session.scalar(select(User).where(User.email.startswith("camille")))
        model = build_model(camille, sharing.selection_of(camille))
        assert len(model["entries"]) >= 3  # a newcomer's first jury export is not empty


@pytest.mark.parametrize("content,name", [
    (b"[" * 5000 + b"]" * 5000, "profond.json"),
    (json.dumps({"code": "x", "title": "X", "version": "1", "blocks": [
        {"code": "C1", "title": "B", "competencies": [
            {"code": "C1.1", "title": "A", "criteria": json.loads("[" * 21 + "]" * 21)}]}]}
                ).encode(), "profond.json"),
    (b"a:\n" + b"".join(b"  " * i + b"k%d:\n" % i for i in range(1, 600)), "profond.yaml"),
    (b"[" * 5000, "profond.yaml"),
])
def test_a_deeply_nested_file_is_refused_with_a_message(client, login_as, app, runner,
                                                        tmp_path, content, name):
    """Web and CLI: a 4xx page or a clear error line, never a 500 or a traceback."""
    login_as("admin")
    response = _upload(client, content, name)
    assert response.status_code == 422
    assert "imbrique trop de niveaux" in response.get_data(as_text=True) or \
        "doit être" in response.get_data(as_text=True)
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["frameworks", "import", str(path)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    with app.app_context():
        assert service.list_frameworks() == []


def test_a_referentiel_with_a_non_character_is_refused(client, login_as, app):
    login_as("admin")
    bad = json.dumps({"code": "x", "title": "Réf\ufffe", "version": "1", "blocks": [
        {"code": "C1", "title": "B", "competencies": [{"code": "C1.1", "title": "A\U0001ffff"}]}]})
    page = _upload(client, bad.encode(), "x.json").get_data(as_text=True)
    assert "title: contient un caractère invalide (U+FFFE)" in page
    assert "blocks[0].competencies[0].title: contient un caractère invalide (U+1FFFF)" in page
