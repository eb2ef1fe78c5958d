"""Administration: only admins, and what they can do with accounts, cohorts, assignments."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from portfolio.db import db
from portfolio.models import Assignment, Cohort, User
from tests.helpers import ADMIN_ROUTES, csrf_token, login, post


@pytest.fixture
def targets(app, make_user):
    """A learner, a referent, a cohort and an assignment for the admin routes to act on."""
    from portfolio.services import directory, periods, referent_links
    from portfolio.services import frameworks as service
    from portfolio.services.enrolments import enrol

    learner = make_user("learner")
    referent = make_user("referent")
    with app.app_context():
        cohort = directory.create_cohort("Apprentis 2027")
        directory.add_to_cohort(cohort, db.session.get(User, learner.id))
        assignment = directory.assign_referent(db.session.get(User, learner.id),
                                               db.session.get(User, referent.id), "academique")
        service.load_shipped_frameworks()
        enrolment = enrol(db.session.get(User, learner.id), service.get_framework("ing-num"))
        period = periods.add_period(cohort, "entreprise", date(2026, 10, 16), date(2026, 12, 20))
        link, _token = referent_links.issue(db.session.get(User, referent.id), learner.id,
                                            referent_links.FEEDBACK, 0)
        db.session.commit()
        return {"user": learner.id, "referent": referent.id, "cohort": cohort.id,
                "assignment": assignment.id, "enrolment": enrolment.id, "link": link.id,
                "period": period.id}




def test_every_admin_route_is_in_the_table(app):
    listed = {(m, p.split("{")[0].rstrip("/")) for m, p in ADMIN_ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("admin.", "admin_frameworks.", "admin_rncp.",
                                     "admin_periods.")):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                prefix = rule.rule.split("<")[0].rstrip("/")
                assert (method, prefix) in listed, f"{method} {rule.rule} has no permission test"


@pytest.mark.parametrize("role", ["learner", "referent", "jury"])
@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
def test_admin_routes_are_404_for_other_roles(client, login_as, targets, role, method, path):
    login_as(role)
    url = path.format(**targets)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": csrf_token(client, "/account/"),
                                          "email": "x@ecole.test", "name": "X"})
    assert response.status_code == 404


@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
def test_admin_routes_send_anonymous_visitors_to_login(client, targets, method, path, app):
    app.config["WTF_CSRF_ENABLED"] = False  # the login check, not the CSRF one, is tested
    response = client.open(path.format(**targets), method=method)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("method,path", [r for r in ADMIN_ROUTES if r[0] == "GET"])
def test_admin_pages_open_for_admins(client, login_as, targets, method, path):
    login_as("admin")
    assert client.get(path.format(**targets)).status_code == 200


def test_admin_creates_a_user_who_gets_an_invitation(client, login_as, outbox, app):
    login_as("admin")
    response = post(client, "/admin/users/new", {
        "email": "Nouvelle.Apprentie@Ecole.test", "name": "Léa Nouvelle", "role": "learner",
        "locale": "", "cohort": "Apprentis 2028"}, page="/admin/users/new")
    assert response.status_code == 302
    assert outbox[-1].to == "nouvelle.apprentie@ecole.test"
    path = outbox[-1].body.split("https://portfolio.example.org", 1)[1].split()[0]
    assert path.startswith("/invitation/")
    # The invitation sets the first password, then the account logs in.
    other = app.test_client()
    new = "ma phrase de passe secrète"
    chosen = other.post(path, data={"password": new, "confirm": new,
                                    "csrf_token": csrf_token(other, path)})
    assert chosen.status_code == 302 and chosen.headers["Location"] == "/"  # signed in at once
    assert "Bienvenue, Léa Nouvelle" in other.get("/").get_data(as_text=True)
    other.post("/logout", data={"csrf_token": other.get("/csrf-token").json["token"]})
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nouvelle.apprentie@ecole.test"))
        assert user.name == "Léa Nouvelle"
        assert [c.name for c in user.cohorts] == ["Apprentis 2028"]
    from types import SimpleNamespace
    assert login(other, SimpleNamespace(email="nouvelle.apprentie@ecole.test",
                                        password=new)).status_code == 302


def test_admin_create_user_refuses_duplicates_and_bad_input(client, login_as, make_user):
    login_as("admin")
    existing = make_user("learner")
    response = post(client, "/admin/users/new", {
        "email": existing.email.upper(), "name": "Double", "role": "learner", "locale": ""},
        page="/admin/users/new")
    assert response.status_code == 422
    assert "Un compte existe déjà avec cette adresse." in response.get_data(as_text=True)
    response = post(client, "/admin/users/new", {
        "email": "pas-une-adresse", "name": "", "role": "learner", "locale": ""},
        page="/admin/users/new")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page
    assert "pas-une-adresse" in page  # what was typed is given back


def test_admin_edits_deactivates_and_reactivates(client, login_as, make_user, app):
    login_as("admin")
    user = make_user("learner")
    response = post(client, f"/admin/users/{user.id}", {
        "email": user.email, "name": "Nom Corrigé", "role": "referent", "locale": "en"},
        page=f"/admin/users/{user.id}")
    assert response.status_code == 302
    post(client, f"/admin/users/{user.id}/deactivate", {"confirmed": "1"},
         page=f"/admin/users/{user.id}")
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert (stored.name, stored.role, stored.locale, stored.active) == (
            "Nom Corrigé", "referent", "en", False)
    assert login(app.test_client(), user).status_code == 422
    post(client, f"/admin/users/{user.id}/reactivate", page=f"/admin/users/{user.id}")
    assert login(app.test_client(), user).status_code == 302


def test_admin_cannot_deactivate_themselves(client, login_as):
    admin = login_as("admin")
    post(client, f"/admin/users/{admin.id}/deactivate", {"confirmed": "1"},
         page=f"/admin/users/{admin.id}")
    assert client.get("/admin/users").status_code == 200


def test_admin_assigns_and_unassigns_referents(client, login_as, make_user, app):
    login_as("admin")
    learner = make_user("learner")
    tutor = make_user("referent")
    boss = make_user("referent")
    page = f"/admin/users/{learner.id}"
    for referent, kind in [(tutor, "academique"), (boss, "entreprise")]:
        response = post(client, f"/admin/users/{learner.id}/assignments",
                             {"referent": referent.id, "kind": kind}, page=page)
        assert response.status_code == 302
    with app.app_context():
        kinds = dict(db.session.execute(select(Assignment.referent_id, Assignment.kind).where(
            Assignment.learner_id == learner.id)).all())
        assert kinds == {tutor.id: "academique", boss.id: "entreprise"}
        assignment_id = db.session.scalar(select(Assignment.id).where(
            Assignment.referent_id == boss.id))
    assert tutor.name in client.get(page).get_data(as_text=True)
    post(client, f"/admin/assignments/{assignment_id}/delete", {"confirmed": "1"}, page=page)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_only_referents_can_be_assigned(client, login_as, make_user):
    login_as("admin")
    learner = make_user("learner")
    other_learner = make_user("learner")
    make_user("referent")
    response = post(client, f"/admin/users/{learner.id}/assignments",
                         {"referent": other_learner.id, "kind": "academique"},
                         page=f"/admin/users/{learner.id}")
    assert response.status_code == 422
    assert "n&#39;est pas tuteur ou tutrice" in response.get_data(as_text=True)


def test_admin_manages_cohorts(client, login_as, make_user, app):
    login_as("admin")
    learner = make_user("learner")
    jury = make_user("jury")
    response = post(client, "/admin/cohorts", {"name": "Apprentis 2027"},
                         page="/admin/cohorts")
    assert response.status_code == 302
    cohort_path = response.headers["Location"]
    response = post(client, "/admin/cohorts", {"name": "Apprentis 2027"},
                         page="/admin/cohorts")
    assert response.status_code == 422
    response = post(client, f"{cohort_path}/members", {"email": learner.email},
                         page=cohort_path)
    assert response.status_code == 302
    response = post(client, f"{cohort_path}/members", {"email": jury.email},
                         page=cohort_path)
    assert response.status_code == 422
    assert learner.name in client.get(cohort_path).get_data(as_text=True)
    post(client, f"{cohort_path}/members/{learner.id}/remove", {"confirmed": "1"}, page=cohort_path)
    with app.app_context():
        assert db.session.scalar(select(Cohort)).members == []


def test_user_search_with_htmx_returns_the_rows_only(client, login_as, make_user):
    login_as("admin")
    make_user("learner", name="Zoé Lambert")
    make_user("learner", name="Hugo Petit")
    full = client.get("/admin/users?q=zoé")
    assert "Zoé Lambert" in full.get_data(as_text=True)
    assert "Hugo Petit" not in full.get_data(as_text=True)
    assert "<html" in full.get_data(as_text=True)
    fragment = client.get("/admin/users?q=lambert", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "Zoé Lambert" in text and "<html" not in text
    assert "HX-Request" in fragment.headers["Vary"]


# CSV import --------------------------------------------------------------------------------

GOOD_CSV = """email,name,role,cohort
lea.moreau@ecole.test,Léa Moreau,learner,Apprentis 2027
tom.roux@ecole.test,Tom Roux,apprenti,Apprentis 2027
claire.tutrice@ecole.test,Claire Tutrice,referent,
pas-une-adresse,Sans Adresse,learner,
lea.moreau@ecole.test,Léa en double,learner,
jean.jury@ecole.test,Jean Jury,sorcier,
"""


def _import(client, content: bytes, filename="comptes.csv"):
    return client.post("/admin/users/import", data={
        "file": (io.BytesIO(content), filename),
        "csrf_token": csrf_token(client, "/admin/users/import")},
        content_type="multipart/form-data")


def _emails(app):
    with app.app_context():
        return set(db.session.scalars(select(User.email)))


def test_csv_import_creates_good_lines_and_reports_refusals(client, login_as, app, outbox):
    login_as("admin", email="admin@ecole.test")
    response = _import(client, GOOD_CSV.encode())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "3 comptes créés" in page and "3 lignes refusées" in page
    assert "adresse en double dans le fichier" in page
    assert "rôle inconnu « sorcier »" in page
    assert "n&#39;est pas valide" in page
    assert _emails(app) == {"admin@ecole.test", "lea.moreau@ecole.test", "tom.roux@ecole.test",
                            "claire.tutrice@ecole.test"}
    assert {m.to for m in outbox} == {"lea.moreau@ecole.test", "tom.roux@ecole.test",
                                      "claire.tutrice@ecole.test"}
    with app.app_context():
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == "Apprentis 2027"))
        assert sorted(u.email for u in cohort.members) == ["lea.moreau@ecole.test",
                                                           "tom.roux@ecole.test"]


def test_csv_import_reads_excel_french_files(client, login_as, app):
    login_as("admin", email="admin@ecole.test")
    content = "Courriel;Nom;Rôle;Promotion\r\nchloe@ecole.test;Chloé Lefèvre;apprentie;Promo A\r\n"
    response = _import(client, content.encode("cp1252"))
    assert "1 compte créé" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.email == "chloe@ecole.test")) == \
            "Chloé Lefèvre"


@pytest.mark.parametrize("content,message", [
    (b"", "Le fichier est vide."),
    (b"email,name\na@ecole.test,A\n", "Colonnes manquantes"),
    (b"email,name,role\na@ecole.test,A,learner\nb@ecole.test,B\n", "2 colonnes au lieu de 3"),
    (b"email,name,role\na@ecole.test,\"A,learner\n", "mal form"),
    (b"\x00\x01\x02binary", "octets nuls"),
    (b"email,name,role\n", "aucune ligne"),
])
def test_malformed_csv_imports_nothing(client, login_as, app, content, message, outbox):
    login_as("admin", email="admin@ecole.test")
    response = _import(client, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _emails(app) == {"admin@ecole.test"}
    assert outbox == []


def test_malformed_row_late_in_file_imports_nothing(client, login_as, app):
    login_as("admin", email="admin@ecole.test")
    rows = "".join(f"p{i}@ecole.test,P {i},learner\n" for i in range(20))
    content = ("email,name,role\n" + rows + "late@ecole.test,Late\n").encode()
    response = _import(client, content)
    assert response.status_code == 422
    assert _emails(app) == {"admin@ecole.test"}


def test_an_admin_cannot_take_over_an_account_that_has_a_password(client, login_as, make_user,
                                                                  app, outbox):
    """Change the email, press "invite": no link may reach the new address, the old one is
    told, and the address changes only once the person accepts it, logged in."""
    from types import SimpleNamespace

    login_as("admin")
    learner = make_user("learner", name="Camille Martin")
    page = f"/admin/users/{learner.id}"
    assert "/invite" not in client.get(page).get_data(as_text=True)  # no button to press
    outbox.clear()
    response = post(client, page, {"email": "pirate@ailleurs.test", "name": "Camille Martin",
                                   "role": "learner", "locale": ""}, page=page)
    assert response.status_code == 302
    assert [m.to for m in outbox] == [learner.email]  # the current address is told
    assert "pirate@ailleurs.test" in outbox[0].body and "Mon compte" in outbox[0].body
    response = post(client, f"{page}/invite", page=page)
    assert response.status_code == 302 and [m.to for m in outbox] == [learner.email]
    assert "déjà un mot de passe" in client.get(page).get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(User, learner.id)
        assert (stored.email, stored.pending_email) == (learner.email, "pirate@ailleurs.test")
    # The reset form for the proposed address sends nothing: it is nobody's address yet.
    other = app.test_client()
    other.post("/password/forgot", data={"email": "pirate@ailleurs.test",
                                         "csrf_token": csrf_token(other, "/password/forgot")})
    assert [m.to for m in outbox] == [learner.email]
    # The person refuses, or accepts with their password; then the new address is theirs.
    person = app.test_client()
    login(person, learner)
    settings = person.get("/account/").get_data(as_text=True)
    assert "pirate@ailleurs.test" in settings and "Accepter la nouvelle adresse" in settings
    post(person, "/account/email/confirm", {"password": "faux"})
    with app.app_context():
        assert db.session.get(User, learner.id).email == learner.email
    post(person, "/account/email/confirm", {"password": learner.password})
    with app.app_context():
        assert db.session.get(User, learner.id).email == "pirate@ailleurs.test"
    assert login(app.test_client(), SimpleNamespace(email="pirate@ailleurs.test",
                                                    password=learner.password)
                 ).status_code == 302


def test_an_account_without_password_changes_address_at_once_and_old_links_die(
        client, login_as, make_user, app, outbox):
    login_as("admin")
    invited = make_user("learner", password=None)
    page = f"/admin/users/{invited.id}"
    def link():
        return outbox[-1].body.split("https://portfolio.example.org", 1)[1].split()[0]

    other = app.test_client()
    post(client, f"{page}/invite", page=page)
    first = link()
    post(client, f"{page}/invite", page=page)
    second = link()
    assert other.get(first).status_code == 302  # a new invitation voids the one before
    assert other.get(second).status_code == 200
    post(client, page, {"email": "nouvelle@ecole.test", "name": "Léa", "role": "learner",
                        "locale": ""}, page=page)
    assert outbox[-1].to == invited.email  # the former address is told
    assert other.get(second).status_code == 302  # and the link sent there is void
    post(client, f"{page}/invite", page=page)
    assert outbox[-1].to == "nouvelle@ecole.test"
    assert other.get(link()).status_code == 200
