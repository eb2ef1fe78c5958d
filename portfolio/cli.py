"""The `portfolio` command: results on stdout, messages on stderr, exit 1 on failure."""

from __future__ import annotations

import json
import secrets
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext
from sqlalchemy import func, select

from portfolio.db import db
from portfolio.models import ROLES, Role, User
from portfolio.services import ServiceError, accounts, directory


def _create_app():
    from portfolio import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             load_dotenv=False)
def main() -> None:
    """Portfolio: e-portfolio and competency self-assessment for apprentices."""


def info(message: str) -> None:
    """A message for the person at the terminal (stderr, so stdout stays data)."""
    click.echo(message, err=True)


def _fail(error: ServiceError) -> None:
    db.session.rollback()
    raise click.ClickException(error.message)


def _user(email: str, what: str) -> User:
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the address {email!r} ({what}).")
    return user


users = AppGroup("users", help="Create, assign and import accounts.")


@users.command("create")
@click.option("--email", required=True, help="Login address (unique, any case).")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--locale", type=click.Choice(["fr", "en"]), default=None)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of generating one.")
def create_user(email, name, role, locale, password_stdin):
    """Create an account; without --password-stdin print a generated password once."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        generated = False
    else:
        password = secrets.token_urlsafe(15)
        generated = True
    try:
        user = accounts.create_user(email=email, name=name, role=role, password=password,
                                    locale=locale)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    info(f"Created {user.role} account {user.email} (id {user.id}).")
    if generated:
        info("Its password, shown only this once:")
        click.echo(password)


@users.command("assign")
@click.option("--learner", required=True, help="The learner's email.")
@click.option("--referent", required=True, help="The referent's email.")
@click.option("--kind", type=click.Choice(["academique", "entreprise"]), default="academique",
              show_default=True)
@click.option("--name", default=None, help="With an unknown --referent address and --kind "
              "entreprise: create a maître d'apprentissage without an account (links by mail).")
@click.option("--company", default=None, help="That person's company.")
def assign(learner, referent, kind, name, company):
    """Assign a referent to a learner."""
    from portfolio.services.referent_links import assign_by_email

    try:
        assignment = assign_by_email(_user(learner, "learner"), referent, kind, name, company)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    info(f"{assignment.referent.email} is now {kind} referent of {assignment.learner.email}.")


@users.command("import")
@click.argument("file", type=click.File("rb"))
def import_users(file):
    """Create accounts from a CSV file (email, name, role, cohort) and report each line.

    Exit status: 0 when every line was imported, 2 when some lines were refused, 1 when the
    file is malformed (then nothing is imported).
    """
    from portfolio.services.user_import import import_users_csv

    try:
        report = import_users_csv(file.read())
    except ServiceError as error:
        _fail(error)
    for user in report.users:
        accounts.send_invitation(user)
    db.session.commit()
    for line in report.lines:
        status = "created" if line.created else "refused"
        click.echo(f"{line.line}\t{line.email}\t{status}\t{line.reason}")
    info(f"{report.created} created, {report.refused} refused.")
    if report.refused:
        sys.exit(2)


@users.command("deactivate")
@click.option("--email", required=True)
def deactivate(email):
    """Stop an account from logging in and end its sessions."""
    accounts.deactivate_user(_user(email, "account"))
    db.session.commit()
    info(f"{email} deactivated.")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array on stdout.")
def list_users(as_json):
    """List the accounts."""
    rows = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    data = [{"id": u.id, "email": u.email, "name": u.name, "role": u.role, "active": u.active}
            for u in rows]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        for row in data:
            click.echo(f"{row['id']}\t{row['email']}\t{row['role']}\t{row['name']}"
                       f"{'' if row['active'] else chr(9) + 'inactive'}")


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Only when the database has no account yet.")
def demo(if_empty):
    """Load the demonstration data set (idempotent) and print the demo accounts."""
    from portfolio.services.demo import DEMO_PASSWORD, load_demo
    from portfolio.services.frameworks import list_frameworks as all_frameworks

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("The demo data set is not for production databases.")
    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        info("The database already has accounts: demo data not loaded.")
        return
    people = load_demo()
    db.session.commit()
    info("Référentiels loaded: " + ", ".join(f.code for f in all_frameworks()))
    info("DEMO DATA: fictitious people for trying Portfolio, not for real use.")
    info(f"Every demo account has the password: {DEMO_PASSWORD}")
    for user in people:
        click.echo(f"{user.role:9} {user.email:34} {user.name}")


frameworks = AppGroup("frameworks", help="List, import and export référentiels.")


@frameworks.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array on stdout.")
def list_frameworks(as_json):
    """List the référentiels."""
    from portfolio.services.frameworks import list_frameworks as all_frameworks

    rows = [{"code": f.code, "title": f.title, "version": f.version, "language": f.language}
            for f in all_frameworks()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            click.echo(f"{row['code']}\t{row['version']}\t{row['title']}")


@frameworks.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--force", is_flag=True,
              help="Archive vanished compétences that evidence points to, instead of refusing.")
def import_framework(file, force):
    """Import a référentiel file (JSON or YAML); all or nothing, every problem reported."""
    from portfolio.services.framework_format import FrameworkInvalid
    from portfolio.services.frameworks import import_file

    try:
        report = import_file(file.read(), file.name or "", force=force)
    except FrameworkInvalid as error:
        db.session.rollback()
        for line in error.errors:
            info(line)
        raise click.ClickException(
            f"{len(error.errors)} problem(s) in {file.name}: nothing was imported.") from None
    db.session.commit()
    info(f"{report.code} version {report.version}: {report.status}.")
    for label, codes in (("added", report.added), ("removed", report.removed),
                         ("archived (evidence points to them)", report.archived)):
        if codes:
            info(f"Compétences {label}: {', '.join(codes)}")


@frameworks.command("export")
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["json", "yaml", "moodle-csv",
                                                   "mahara-matrix"]),
              default="json", show_default=True)
def export_framework(code, fmt):
    """Print a référentiel in the framework file format."""
    from portfolio.services import framework_format
    from portfolio.services.frameworks import get_framework

    framework = get_framework(code)
    if framework is None:
        raise click.ClickException(f"No référentiel with the code {code!r}.")
    click.echo(framework_format.dump(framework_format.export(framework), fmt), nl=False)


@click.command("enrol")
@with_appcontext
@click.option("--learner", help="The learner's email.")
@click.option("--cohort", help="A cohort name: enrol each of its learners.")
@click.option("--framework", "framework_code", required=True, help="The référentiel's code.")
@click.option("--blocks", default="", help="Comma-separated block codes (default: all); "
              "the transversal sub-blocks are always included.")
@click.option("--replace", is_flag=True, help="With --cohort: also replace the blocks of "
              "learners already enrolled in this référentiel (kept by default).")
def enrol(learner, cohort, framework_code, blocks, replace):
    """Enrol a learner (or a whole cohort) in a référentiel."""
    from portfolio.services import enrolments
    from portfolio.services.frameworks import check_exists

    if bool(learner) == bool(cohort):
        raise click.UsageError("Give either --learner or --cohort.")
    codes = [c.strip() for c in blocks.split(",") if c.strip()]
    try:
        framework = check_exists(framework_code)
        if learner:
            done = [enrolments.enrol(_user(learner, "learner"), framework, codes)]
        else:
            found = directory.find_cohort(cohort)
            if found is None:
                raise click.ClickException(f"No cohort named {cohort!r}.")
            done, kept = enrolments.enrol_cohort(found, framework, codes, replace=replace)
            for member in kept:
                info(f"Kept learner {member.id}'s own blocks (--replace to replace them).")
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    for enrolment in done:
        chosen = ",".join(b.code for b in enrolment.block_list())
        info(f"Enrolled learner {enrolment.learner_id} in {framework.code} ({chosen}).")


notify = AppGroup("notify", help="Notifications sent on a schedule (for cron).")


@notify.command("reminders")
@click.option("--days", type=click.IntRange(1, 365), default=None,
              help="Remind of requests open longer than this (default: FEEDBACK_REMINDER_DAYS).")
def reminders(days):
    """Email referents about feedback requests still waiting (once per request per period)."""
    from portfolio.db import utcnow
    from portfolio.services.feedback import send_reminders

    days = days or current_app.config["FEEDBACK_REMINDER_DAYS"]
    sent = send_reminders(utcnow(), days)
    db.session.commit()
    info(f"{len(sent)} reminder(s) sent for requests open more than {days} days.")


@notify.command("period-reviews")
@click.option("--today", "today", default=None, metavar="YYYY-MM-DD",
              help="The day to act as of (default: today).")
def period_reviews(today):
    """Open the fiche de suivi of each company period that has ended (the learner is asked for
    a self-review), and recall the fiches still waiting for their learner."""
    from datetime import date

    from portfolio.db import utcnow
    from portfolio.services.period_reviews import open_due

    try:
        day = date.fromisoformat(today) if today else utcnow().date()
    except ValueError:
        raise click.BadParameter("a day written YYYY-MM-DD", param_hint="--today") from None
    opened, recalled = open_due(day)
    db.session.commit()
    info(f"{len(opened)} fiche(s) de suivi opened, {len(recalled)} recalled.")


@click.command("export")
@with_appcontext
@click.option("--learner", "email", required=True, help="The learner's email.")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf", "zip", "json"]),
              default="html", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The file to write ('-' for stdout).")
def export(email, fmt, output):
    """Write a learner's jury export (their saved selection) to a file."""
    from portfolio.services.sharing import export_file

    learner = _user(email, "learner")
    if learner.role != Role.LEARNER:
        raise click.ClickException(f"{email} is not a learner.")
    handle = export_file(learner, fmt)
    stream = click.get_binary_stream("stdout") if output == "-" else open(output, "wb")
    try:
        while chunk := handle.read(1024 * 1024):
            stream.write(chunk)
    finally:
        if output != "-":
            stream.close()
    info(f"Export ({fmt}) of {email} written to {output}.")


tokens = AppGroup("tokens", help="Personal access tokens for the JSON API.")


@tokens.command("create")
@click.option("--email", required=True, help="Whose token.")
@click.option("--name", default="", help="A label to recognise it by.")
def create_token(email, name):
    """Create an API token and print it, alone, on stdout (it is shown only once)."""
    from portfolio.services import tokens as token_service

    user = _user(email, "token owner")
    try:
        _item, token = token_service.create_token(user, name)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(token)
    info(f"Token created for {email}; it will not be shown again.")


@click.command("purge")
@with_appcontext
def purge():
    """Erase the accounts whose 30-day grace period is over, and old exports (for cron)."""
    from portfolio.tasks import purge as purge_now

    purged, forgotten = purge_now()
    db.session.commit()
    info(f"{purged} account(s) erased, {forgotten} export(s) older than "
         f"{current_app.config['EXPORT_KEEP_HOURS']} hours removed.")


def init_app(app: Flask) -> None:
    from portfolio.cli_imports import imports
    from portfolio.cli_operations import backup, restore, worker
    from portfolio.cli_periods import periods

    for command in (backup, restore, worker, users, export, imports, tokens, purge, notify, demo,
                    frameworks, enrol, periods):
        app.cli.add_command(command)


if __name__ == "__main__":
    main()
