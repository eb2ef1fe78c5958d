"""Headers on every page, CSRF on every form, bounded ids, refused NUL bytes."""

import pytest

from portfolio.security import CONTENT_SECURITY_POLICY
from tests.helpers import csrf_token, post_form

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
])
def test_huge_or_odd_ids_are_404(client, login_as, path):
    login_as("admin")
    assert client.get(path).status_code == 404


def test_largest_id_is_a_clean_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/2147483647").status_code == 404


def test_nul_bytes_are_refused(client, login_as, app):
    login_as("admin")
    response = post_form(client, "/admin/cohorts", {"name": "Promo\x00 nulle"},
                         page="/admin/cohorts")
    assert response.status_code == 400
    assert "caractère nul" in response.get_data(as_text=True)
    assert client.get("/admin/users?q=a%00b").status_code == 400


def test_names_are_cleaned_of_bidi_and_control_characters(client, login_as, app):
    from portfolio.db import db
    from portfolio.models import Cohort

    login_as("admin")
    post_form(client, "/admin/cohorts", {"name": "  Promo\u202e 2027\x07  "},
              page="/admin/cohorts")
    with app.app_context():
        assert db.session.query(Cohort.name).scalar() == "Promo 2027"


def test_name_in_nfc(client, login_as, app):
    from portfolio.db import db
    from portfolio.models import Cohort

    login_as("admin")
    decomposed = "Promo e\u0301te\u0301"
    post_form(client, "/admin/cohorts", {"name": decomposed}, page="/admin/cohorts")
    with app.app_context():
        assert db.session.query(Cohort.name).scalar() == "Promo été"


def test_vendored_htmx_is_pinned_with_its_licence(app):
    from pathlib import Path

    folder = Path(app.static_folder) / "vendor" / "htmx-2.0.11"
    assert (folder / "htmx.min.js").stat().st_size > 40_000
    assert "Zero-Clause BSD" in (folder / "LICENSE").read_text()
