"""`portfolio periods add|list` (registered by portfolio/cli.py, with the same conventions:
results on stdout, messages on stderr, exit 1 with a sentence on failure)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portfolio.cli import _fail
from portfolio.db import db

periods = AppGroup("periods", help="The alternance calendar of a cohort.")


def _cohort(name: str):
    from portfolio.services.directory import find_cohort

    cohort = find_cohort(name)
    if cohort is None:
        raise click.ClickException(f"No cohort named {name!r}.")
    return cohort


@periods.command("add")
@click.option("--cohort", "cohort_name", required=True, help="The cohort's name.")
@click.option("--kind", type=click.Choice(["ecole", "entreprise"]), required=True)
@click.option("--start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--end", required=True, help="Last day, YYYY-MM-DD.")
def add(cohort_name, kind, start, end):
    """Add a period to a cohort's calendar (it may not overlap another)."""
    from portfolio.services import ServiceError
    from portfolio.services import periods as service

    cohort = _cohort(cohort_name)
    try:
        period = service.add_period(cohort, kind, service.parse_day(start),
                                    service.parse_day(end, "ends_on"))
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{cohort.name}\t{period.kind}\t{period.starts_on}\t{period.ends_on}")


@periods.command("list")
@click.option("--cohort", "cohort_name", required=True, help="The cohort's name.")
def list_periods(cohort_name):
    """The cohort's periods, one per line: kind, first day, last day."""
    from portfolio.services.periods import periods_of_cohort

    for period in periods_of_cohort(_cohort(cohort_name).id):
        click.echo(f"{period.kind}\t{period.starts_on}\t{period.ends_on}")
