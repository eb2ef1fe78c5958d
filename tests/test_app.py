"""The factory, its configurations and the health probes."""

import os

import pytest

from config import Config, ProductionConfig, TestConfig
from portfolio import create_app


def test_factory_uses_test_config(app):
    assert app.config["TESTING"] is True
    assert app.config["PASSWORD_HASH_PROFILE"] == "cheapest"
    assert "csrf" in app.extensions


def test_default_config_is_development_on_sqlite(monkeypatch, tmp_path):
    monkeypatch.delenv("PORTFOLIO_CONFIG", raising=False)
    app = create_app(overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db"})
    assert app.config["ENV_NAME"] == "development"
    assert Config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


@pytest.mark.parametrize("secret", ["", "short", Config.SECRET_KEY])
def test_production_refuses_to_start_without_a_real_secret(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, {"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_cookies_are_secure_httponly_samesite():
    app = create_app(ProductionConfig, {"SECRET_KEY": "x" * 48,
                                        "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["MAIL_BACKEND"] == "smtp"


def test_unknown_config_name_is_refused():
    with pytest.raises(RuntimeError, match="PORTFOLIO_CONFIG"):
        create_app("staging")


def test_config_by_name(monkeypatch):
    monkeypatch.setenv("PORTFOLIO_CONFIG", "testing")
    app = create_app()
    assert app.config["ENV_NAME"] == TestConfig.ENV_NAME


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_with_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_login_page_in_french_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Connexion" in page
    assert "Mot de passe oublié" in page


def test_anonymous_home_goes_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_production_starts_with_a_secret_from_the_environment(tmp_path):
    """As gunicorn runs it: config read from the environment in a fresh process."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PORTFOLIO_CONFIG": "production", "SECRET_KEY": "s" * 48,
           "DATABASE_URL": f"sqlite:///{tmp_path}/p.db", "PORTFOLIO_INSTANCE": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "from portfolio import create_app; "
                               "print(create_app().config['ENV_NAME'])"],
        env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "production"
    env["SECRET_KEY"] = "dev-only-not-secret"
    refused = subprocess.run([sys.executable, "-c", "from portfolio import create_app; "
                                                    "create_app()"],
                             env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stderr


@pytest.mark.parametrize("shipped", [False, True], ids=["source-folder", "installed"])
@pytest.mark.parametrize("concurrency, expected", [(None, len(os.sched_getaffinity(0))),
                                                   ("3", 3)])
def test_gunicorn_reads_the_projects_settings(concurrency, expected, shipped, tmp_path):
    """README's production command and make bench: one synchronous worker per core, unless
    WEB_CONCURRENCY says otherwise (gunicorn.conf.py in the project's folder, or the package's
    own settings named from any other folder)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    assert gunicorn, "gunicorn is a dependency of the project"
    env = {name: value for name, value in os.environ.items() if name != "WEB_CONCURRENCY"}
    if concurrency:
        env["WEB_CONCURRENCY"] = concurrency
    command = [gunicorn, "--print-config", "portfolio:create_app()"]
    if shipped:
        command[1:1] = ["--config", "python:portfolio.gunicorn_conf"]
    result = subprocess.run(command, cwd=tmp_path if shipped else Path(__file__).parent.parent,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    settings = {name.strip(): value.strip() for name, value in (
        line.split(" = ", 1) for line in result.stdout.splitlines() if " = " in line)}
    assert settings["config"].endswith(
        "python:portfolio.gunicorn_conf" if shipped else "gunicorn.conf.py")
    assert settings["worker_class"] == "sync"
    assert int(settings["workers"]) == expected
