"""Error pages: full page, htmx fragment, and 503 when the database is away."""

import pytest

from config import TestConfig
from portfolio import create_app
from tests.helpers import PASSWORD


def test_404_page(client):
    response = client.get("/nothing/here")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page introuvable" in page and "<html" in page


def test_404_htmx_fragment_goes_to_the_message_area(client):
    response = client.get("/nothing/here", headers={"HX-Request": "true"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<html" not in page and "Page introuvable" in page
    assert response.headers["HX-Retarget"] == "#messages"


def test_405(client):
    assert client.put("/login").status_code == 405


def test_500_rolls_back_and_shows_a_page(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Erreur interne" in page and "Traceback" not in page and "RuntimeError" not in page


def _down_app(url):
    return create_app(TestConfig, {"SQLALCHEMY_DATABASE_URI": url})


DOWN_URLS = [
    "sqlite:////nonexistent-dir/portfolio.sqlite3",
    "postgresql+psycopg://postgres@127.0.0.1:1/portfolio",
]


@pytest.mark.parametrize("url", DOWN_URLS)
def test_503_when_the_database_is_down(url):
    app = _down_app(url)
    client = app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/login", data={"email": "a@ecole.test", "password": PASSWORD})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "indisponible" in page and "Traceback" not in page
    assert response.headers["Retry-After"] == "30"
    assert client.get("/healthz").status_code == 200


def test_503_htmx_fragment():
    app = _down_app(DOWN_URLS[0])
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/login", data={"email": "a@ecole.test", "password": "x"},
                                      headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert "<html" not in response.get_data(as_text=True)


def test_app_recovers_when_the_database_returns(tmp_path):
    from portfolio.db import db

    missing = tmp_path / "later"
    app = _down_app(f"sqlite:///{missing}/p.sqlite3")
    client = app.test_client()
    assert client.get("/readyz").status_code == 503
    missing.mkdir()
    with app.app_context():
        db.create_all()
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize("htmx", [False, True])
def test_503_for_a_logged_in_user_when_the_connection_drops(client, login_as, monkeypatch,
                                                          htmx):
    """The user is loaded from the database on every request, and again by the templates'
    context: the error page must not try a third time (found by bench/writers.py)."""
    from sqlalchemy.exc import OperationalError


    login_as("learner")

    def gone(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    import portfolio.auth

    monkeypatch.setattr(portfolio.auth, "load_login", gone)
    response = client.get("/entries", headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 503
    assert "base de données" in response.get_data(as_text=True)
