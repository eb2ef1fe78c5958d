"""The `portfolio` command: data on stdout, messages on stderr, clear failures."""

import json
import subprocess
import sys

from sqlalchemy import select

from portfolio.db import db
from portfolio.models import Assignment, User
from tests.helpers import login


def test_users_create_prints_a_generated_password_once(runner, app, client):
    result = runner.invoke(args=["users", "create", "--email", "Lea@Ecole.test", "--name",
                                 "Léa", "--role", "learner"])
    assert result.exit_code == 0, result.output
    password = result.stdout.strip()
    assert len(password) >= 16 and "\n" not in password
    assert "Created learner account lea@ecole.test" in result.stderr
    from types import SimpleNamespace
    assert login(client, SimpleNamespace(email="lea@ecole.test", password=password)
                 ).status_code == 302


def test_users_create_with_password_stdin(runner, client):
    result = runner.invoke(args=["users", "create", "--email", "t@ecole.test", "--name", "T",
                                 "--role", "referent", "--password-stdin"],
                           input="une phrase de passe solide\n")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    from types import SimpleNamespace
    assert login(client, SimpleNamespace(email="t@ecole.test",
                                         password="une phrase de passe solide")).status_code == 302


def test_users_create_failures_are_sentences(runner, make_user):
    existing = make_user("learner")
    result = runner.invoke(args=["users", "create", "--email", existing.email, "--name", "X",
                                 "--role", "learner"])
    assert result.exit_code == 1
    assert "An account already exists" in result.stderr or "Un compte existe" in result.stderr
    result = runner.invoke(args=["users", "create", "--email", "x@ecole.test", "--name", "X",
                                 "--role", "learner", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert "12" in result.stderr
    result = runner.invoke(args=["users", "create", "--email", "x@ecole.test", "--name", "X",
                                 "--role", "wizard"])
    assert result.exit_code == 2


def test_users_assign(runner, make_user, app):
    learner = make_user("learner")
    referent = make_user("referent")
    result = runner.invoke(args=["users", "assign", "--learner", learner.email,
                                 "--referent", referent.email, "--kind", "entreprise"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assignment = db.session.scalar(select(Assignment))
        assert (assignment.learner_id, assignment.referent_id, assignment.kind) == (
            learner.id, referent.id, "entreprise")
    result = runner.invoke(args=["users", "assign", "--learner", referent.email,
                                 "--referent", learner.email])
    assert result.exit_code == 1
    result = runner.invoke(args=["users", "assign", "--learner", "nobody@ecole.test",
                                 "--referent", referent.email])
    assert result.exit_code == 1
    assert "No account" in result.stderr


def test_users_import(runner, tmp_path, app, outbox):
    good = tmp_path / "users.csv"
    good.write_text("email,name,role,cohort\na@ecole.test,A,learner,P1\nbad,B,learner,\n")
    result = runner.invoke(args=["users", "import", str(good)])
    assert result.exit_code == 2
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "2\ta@ecole.test\tcreated\t"
    assert lines[1].startswith("3\tbad\trefused\t")
    assert [m.to for m in outbox] == ["a@ecole.test"]
    malformed = tmp_path / "bad.csv"
    malformed.write_text("email,name\nc@ecole.test,C\n")
    result = runner.invoke(args=["users", "import", str(malformed)])
    assert result.exit_code == 1
    with app.app_context():
        assert set(db.session.scalars(select(User.email))) == {"a@ecole.test"}


def test_users_list_json(runner, make_user):
    make_user("jury", email="jury@ecole.test")
    result = runner.invoke(args=["users", "list", "--json"])
    assert json.loads(result.stdout) == [{"id": 1, "email": "jury@ecole.test",
                                          "name": "Jury 1", "role": "jury", "active": True}]


def test_demo_is_idempotent_and_prints_accounts(runner, app, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "DEMO DATA" in first.stderr
    assert "camille.martin@demo.portfolio.test" in first.stdout
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    with app.app_context():
        assert db.session.query(User).count() == 6
        assert db.session.query(Assignment).count() == 3
    from types import SimpleNamespace

    from portfolio.services.demo import DEMO_PASSWORD
    assert login(client, SimpleNamespace(email="claire.dubois@demo.portfolio.test",
                                         password=DEMO_PASSWORD)).status_code == 302
    skipped = runner.invoke(args=["demo", "--if-empty"])
    assert "already has accounts" in skipped.stderr


def test_demo_refuses_production():
    from config import ProductionConfig
    from portfolio import create_app

    app = create_app(ProductionConfig, {"SECRET_KEY": "s" * 40,
                                        "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1
    assert "not for production" in result.stderr


def test_portfolio_console_script_upgrades_a_database(tmp_path):
    """The installed `portfolio` command, as an operator runs it."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3", "PATH": "/usr/bin:/bin",
           "PORTFOLIO_INSTANCE": str(tmp_path)}
    exe = [sys.executable, "-m", "portfolio.cli"]
    result = subprocess.run(exe + ["db", "upgrade"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    result = subprocess.run(exe + ["users", "create", "--email", "a@ecole.test", "--name", "A",
                                   "--role", "admin"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip()) >= 16
    result = subprocess.run(exe + ["--help"], env=env, capture_output=True, text=True, timeout=60)
    for command in ("db", "users", "demo", "run"):
        assert command in result.stdout


def _command_paths(command, prefix=()):
    import click

    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _command_paths(sub, (*prefix, name))
    else:
        yield " ".join(prefix)


def test_every_command_is_in_the_readmes_table(app):
    """README's table of the `portfolio` command is the contract scripts read: each command
    the app registers (Flask's own aside) has its row."""
    from pathlib import Path

    flasks = {"db", "routes", "shell"}  # Flask's and Flask-Migrate's ("db upgrade" and the rest)
    ours = {name: command for name, command in app.cli.commands.items() if name not in flasks}
    assert {"users", "notify", "periods", "frameworks", "import"} <= ours.keys()
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = [line for line in readme.splitlines() if line.startswith("| `portfolio ")]
    missing = [path for name, command in ours.items()
               for path in _command_paths(command, (name,))
               if not any(f"`portfolio {path}" in line or f"`{path} " in line
                          for line in table)]
    assert not missing, missing
