"""`portfolio import leap2a FILE.zip --learner E` (registered by portfolio/cli.py, with the same
conventions: results on stdout, messages on stderr, exit 1 with a sentence on failure)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portfolio.cli import _user, frameworks
from portfolio.db import db
from portfolio.models import Role

imports = AppGroup("import", help="Bring a learner's portfolio in from another platform.")


@imports.command("leap2a")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--learner", "email", required=True, help="The learner whose entries they become.")
def leap2a(path, email):
    """Import a Leap2A export (Mahara's "Export > Leap2A" ZIP) into a learner's private
    entries; the same file imported again adds nothing."""
    from portfolio.services import ServiceError
    from portfolio.services.leap2a_import import import_leap2a, report_lines

    learner = _user(email, "learner")
    if learner.role != Role.LEARNER:
        raise click.ClickException(f"{email} is not a learner.")
    try:
        with open(path, "rb") as stream:
            report = import_leap2a(learner, stream)
    except ServiceError as refused:
        db.session.rollback()
        raise click.ClickException(refused.message) from refused
    db.session.commit()
    for line in report_lines(report):
        click.echo(line)


@frameworks.command("import-rncp")
@click.argument("file", type=click.File("rb"))
@click.option("--fiche", default=None, help="Only this fiche (RNCPnnnnn) of the file.")
@click.option("--force", is_flag=True,
              help="Archive vanished compétences that evidence points to, instead of refusing.")
def import_rncp(file, fiche, force):
    """Import référentiels from France Compétences' RNCP XML (flux V4.1, streamed: the
    national file too): one line per fiche on stdout; exit 2 when some were refused."""
    from portfolio.services.rncp import RncpRefused, import_fiches

    try:
        results = import_fiches(file, fiche, force=force)
    except RncpRefused as refused:
        db.session.rollback()
        raise click.ClickException(refused.message) from None
    db.session.commit()
    refused = 0
    for result in results:
        blocks, competencies = result.counts
        if result.status:
            click.echo(f"{result.framework['code']}\t{result.status}\t{blocks} blocs\t"
                       f"{competencies} compétences\t{result.framework['title']}")
        else:
            refused += 1
            click.echo(f"{result.number}\trefused\t{'; '.join(result.problems)}")
    if refused:
        raise SystemExit(2)
