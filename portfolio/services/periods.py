"""The alternance calendar: each cohort's periods at school (`ecole`) and in the company
(`entreprise`), where a learner stands today, and which period an entry falls into."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from portfolio.db import db
from portfolio.models import Cohort, Period, cohort_members
from portfolio.services import Invalid, NotFound, ServiceError
from portfolio.text import fold

MAX_DAYS = 400
KIND_WORDS = {"ecole": "ecole", "entreprise": "entreprise", "school": "ecole",
              "company": "entreprise", "e": "entreprise"}


def check_kind(raw: str | None) -> str:
    kind = KIND_WORDS.get(fold((raw or "").strip()))
    if kind is None:
        raise ServiceError(_("Type de période : « ecole » ou « entreprise »."), field="kind")
    return kind


def parse_day(raw: str | None, field: str = "starts_on") -> date:
    """A day written 2026-09-01 or 01/09/2026."""
    value = (raw or "").strip()
    try:
        if "/" in value:
            day, month, year = (int(p) for p in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        raise ServiceError(_("Date illisible « %(value)s » (jj/mm/aaaa).", value=value[:20]),
                           field=field) from None


def periods_of_cohort(cohort_id: int) -> list[Period]:
    return list(db.session.scalars(select(Period).where(Period.cohort_id == cohort_id)
                                   .order_by(Period.starts_on)))


def add_period(cohort: Cohort, kind: str, starts_on: date, ends_on: date) -> Period:
    """A period of the cohort; it may not overlap another."""
    kind = check_kind(kind)
    if ends_on < starts_on:
        raise ServiceError(_("La période finit avant de commencer."), field="ends_on")
    if (ends_on - starts_on).days > MAX_DAYS:
        raise ServiceError(_("Une période dure au plus %(max)d jours.", max=MAX_DAYS),
                           field="ends_on")
    for other in periods_of_cohort(cohort.id):
        if other.starts_on <= ends_on and starts_on <= other.ends_on:
            raise ServiceError(_("Cette période chevauche celle du %(start)s au %(end)s.",
                                 start=other.starts_on.strftime("%d/%m/%Y"),
                                 end=other.ends_on.strftime("%d/%m/%Y")), field="starts_on")
    period = Period(cohort_id=cohort.id, kind=kind, starts_on=starts_on, ends_on=ends_on)
    db.session.add(period)
    db.session.flush()
    return period


def delete_period(period_id: int) -> Period:
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound(_("Période inconnue."))
    db.session.delete(period)
    db.session.flush()
    return period


def import_csv(cohort: Cohort, content: bytes) -> list[Period]:
    """Periods from a CSV (`kind,start,end`, a header optional; commas or semicolons; UTF-8
    or Windows-1252): all of them, or none with every problem by line."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") \
        else ","
    added, errors = [], {}
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
        if not any(cell.strip() for cell in row):
            continue
        if number == 1 and fold(row[0].strip()) in ("kind", "type", "periode"):
            continue
        try:
            if len(row) < 3:
                raise ServiceError(_("trois colonnes attendues : type, début, fin"))
            added.append(add_period(cohort, row[0], parse_day(row[1]),
                                    parse_day(row[2], "ends_on")))
        except ServiceError as error:
            errors[_("ligne %(n)d", n=number)] = error.message
    if errors:
        raise Invalid(errors)
    if not added:
        raise Invalid({"file": _("Aucune période dans ce fichier.")})
    return added


def periods_of_learner(learner_id: int) -> list[Period]:
    """The periods of the learner's cohorts, in order."""
    cohorts = select(cohort_members.c.cohort_id).where(cohort_members.c.user_id == learner_id)
    return list(db.session.scalars(select(Period).where(Period.cohort_id.in_(cohorts))
                                   .order_by(Period.starts_on, Period.id)))


def where_now(periods: list[Period], today: date) -> tuple[Period | None, Period | None]:
    """The period that holds today (if any), and the next one to start."""
    current = next((p for p in periods if p.holds(today)), None)
    upcoming = next((p for p in periods if p.starts_on > today), None)
    return current, upcoming


def last_ended(periods: list[Period], today: date, kind: str | None = None) -> Period | None:
    ended = [p for p in periods if p.ends_on < today and (kind is None or p.kind == kind)]
    return ended[-1] if ended else None
