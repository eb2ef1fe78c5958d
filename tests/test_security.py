"""Headers on every page, CSRF on every form, bounded ids, refused NUL bytes."""

import pytest

from portfolio.db import db
from portfolio.security import CONTENT_SECURITY_POLICY
from tests.helpers import csrf_token, post

PAGES = {
    None: ["/login", "/password/forgot", "/healthz", "/no-such-page"],
    "learner": ["/", "/account/"],
    "referent": ["/", "/account/"],
    "jury": ["/", "/account/"],
    "admin": ["/", "/account/", "/admin/users", "/admin/users/new", "/admin/cohorts",
              "/admin/users/import"],
}
CASES = [(role, path) for role, paths in PAGES.items() for path in paths]


@pytest.mark.parametrize("role,path", CASES)
def test_security_headers_on_every_page(client, login_as, role, path):
    if role:
        login_as(role)
    response = client.get(path)
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    if role:
        assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role,path", [c for c in CASES if c[1] not in ("/healthz",
                                                                          "/no-such-page")])
def test_pages_have_no_inline_script_or_style(client, login_as, role, path):
    if role:
        login_as(role)
    page = client.get(path).get_data(as_text=True)
    assert "<script>" not in page and "<script >" not in page
    assert "style=" not in page
    assert " on" + "click=" not in page
    assert "hx-on" not in page
    assert '"allowEval":false' in page and '"historyCacheSize":0' in page


def test_form_post_without_csrf_token_is_refused(client, make_user):
    user = make_user("learner")
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)


def test_logged_in_post_without_token_is_refused(client, login_as):
    login_as("admin")
    response = client.post("/admin/cohorts", data={"name": "Sans jeton"})
    assert response.status_code == 400
    assert "Sans jeton" not in client.get("/admin/cohorts").get_data(as_text=True)


def test_htmx_post_carries_the_token_in_a_header(client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/cohorts")
    response = client.post("/admin/cohorts", data={"name": "Par htmx"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 302
    response = client.post("/admin/cohorts", data={"name": "Sans en-tête"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#messages"


@pytest.mark.parametrize("path", [
    "/admin/users/99999999999999999999999999",
    "/admin/users/9223372036854775808",
    "/admin/users/2147483648",
    "/admin/users/0",
    "/admin/users/-1",
    "/admin/users/01",
    "/admin/users/٣",
])
def test_huge_or_odd_ids_are_404(client, login_as, path):
    login_as("admin")
    assert client.get(path).status_code == 404


def test_largest_id_is_a_clean_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/2147483647").status_code == 404


def test_nul_bytes_are_refused(client, login_as, app):
    login_as("admin")
    response = post(client, "/admin/cohorts", {"name": "Promo\x00 nulle"},
                         page="/admin/cohorts")
    assert response.status_code == 400
    assert "caractère nul" in response.get_data(as_text=True)
    assert client.get("/admin/users?q=a%00b").status_code == 400


def test_names_are_cleaned_of_bidi_and_control_characters(client, login_as, app):
    from portfolio.models import Cohort

    login_as("admin")
    post(client, "/admin/cohorts", {"name": "  Promo\u202e 2027\x07  "},
              page="/admin/cohorts")
    with app.app_context():
        assert db.session.query(Cohort.name).scalar() == "Promo 2027"


def test_name_in_nfc(client, login_as, app):
    from portfolio.models import Cohort

    login_as("admin")
    decomposed = "Promo e\u0301te\u0301"
    post(client, "/admin/cohorts", {"name": decomposed}, page="/admin/cohorts")
    with app.app_context():
        assert db.session.query(Cohort.name).scalar() == "Promo été"


def test_vendored_htmx_is_pinned_with_its_licence(app):
    from pathlib import Path

    folder = Path(app.static_folder) / "vendor" / "htmx-2.0.11"
    assert (folder / "htmx.min.js").stat().st_size > 40_000
    assert "Zero-Clause BSD" in (folder / "LICENSE").read_text()


def test_ids_and_numbers_take_ascii_digits_only():
    from portfolio.text import parse_int, parse_ints

    assert [parse_int(v) for v in ("7", "007", "²", "٣", "3²", "-1", " 1", "", None,
                                   "1234567890")] == [7, 7] + [None] * 8
    assert parse_int("1234567890", 10) == 1234567890
    assert parse_ints(["1", "²", "x", "٣", "22"]) == [1, 22]


@pytest.mark.parametrize("digit", ["²", "٣", "１"])
def test_unicode_digits_in_forms_and_addresses_are_refused_not_crashes(client, people, entry,
                                                                       digit):
    """`str.isdigit()` is true for "²" (and `int()` then fails: a 500) and `\\d` matches "٣"
    (read as 3: another entry's address): every number the app reads takes ASCII only."""
    from tests.helpers import login

    entry_id = entry
    login(client, people.learner)
    token = csrf_token(client, f"/entries/{entry_id}")
    competency = people.competencies["C2.1"]
    gets = [f"/entries/{digit}", f"/entries?learner={digit}", f"/entries/new?competency={digit}",
            f"/entries/tag-row?competency={digit}", f"/feedback?learner={digit}"]
    for path in gets:
        assert client.get(path).status_code in (200, 404), path
    posts = {
        f"/entries/{entry_id}/feedback-requests": {"referent": digit, "message": "?"},
        f"/learners/{people.learner.id}/competencies/{competency}/self": {"level": digit},
        "/export": {"entries": digit},
        "/export/links": {"days": digit},
        "/entries/draft": {"entry_id": digit, "version": digit, "title": "x"},
    }
    for path, data in posts.items():
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code < 500, (path, response.status_code)
    assert client.post("/export/links", data={"days": digit, "csrf_token": token}
                       ).status_code == 422
    assert client.get(f"/entries/{digit}").status_code == 404


@pytest.mark.parametrize("query", ["from=99999999999999999999", "to=99999999999999999999",
                                   "from=²", "to=٣", "from=-1"])
def test_history_versions_out_of_range_are_a_404_not_a_500(client, people, entry, query):
    from tests.helpers import login

    login(client, people.learner)
    assert client.get(f"/entries/{entry}/history?{query}").status_code in (200, 404)
    assert client.get(f"/entries?page={query.split('=')[1]}").status_code == 200


def test_api_answers_are_never_cached(client, people, app):
    from portfolio.models import User
    from portfolio.services import tokens

    with app.app_context():
        _item, token = tokens.create_token(db.session.get(User, people.learner.id), "t")
        db.session.commit()
    for path in ("/api/v1/me", "/api/v1/entries", "/api/v1/openapi.json"):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("agent,shown", [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Safari/537.36 Edg/120.0", "Edge sur Windows"),
    ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
     "Chrome sur Android"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 "
     "Mobile/15E148 Safari/604.1", "Safari sur iPhone"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
     "Firefox sur Linux"),
    ("curl/8.5.0", "curl"),
    ("", "appareil inconnu"),
])
def test_devices_read_as_a_person_names_them(client, make_user, agent, shown):
    from tests.helpers import login

    user = make_user("learner")
    client.environ_base["HTTP_USER_AGENT"] = agent
    login(client, user)
    page = client.get("/account/").get_data(as_text=True)
    section = page.split("Appareils connectés")[1][:2000] if "Appareils connectés" in page else page
    assert shown in section


@pytest.mark.parametrize("size,shown", [(812, "812\u00a0o"), (2_459, "2,4\u00a0Ko"),
                                        (3_250_586, "3,1\u00a0Mo")])
def test_file_sizes_read_in_the_right_unit(app, size, shown):
    """A size of a megabyte or more read "0,0 Mo" (a division by infinity) in this change."""
    from portfolio.i18n import _filesize

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert _filesize(size) == shown
