"""Cohorts and referent assignments: who belongs with whom."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portfolio.db import db
from portfolio.models import Assignment, AssignmentKind, Cohort, Role, User
from portfolio.services import ServiceError
from portfolio.text import clean_name

COHORT_NAME_MAX = 120


def check_cohort_name(raw: str | None) -> str:
    name = clean_name(raw) or ""
    if not name:
        raise ServiceError(_("Le nom de la promotion est obligatoire."), field="name")
    if len(name) > COHORT_NAME_MAX:
        raise ServiceError(_("Le nom de la promotion est trop long."), field="name")
    return name


def find_cohort(name: str) -> Cohort | None:
    return db.session.scalar(select(Cohort).where(Cohort.name == clean_name(name)))


def create_cohort(name: str) -> Cohort:
    """Create a cohort with a unique name."""
    name = check_cohort_name(name)
    if find_cohort(name) is not None:
        raise ServiceError(_("Une promotion porte déjà ce nom."), field="name", code="duplicate")
    cohort = Cohort(name=name)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def get_or_create_cohort(name: str) -> Cohort:
    return find_cohort(check_cohort_name(name)) or create_cohort(name)


def add_to_cohort(cohort: Cohort, user: User) -> None:
    """Put a learner in a cohort (only learners belong to cohorts)."""
    if user.role != Role.LEARNER:
        raise ServiceError(_("Seuls les apprentis font partie d'une promotion."), field="email")
    if user not in cohort.members:
        cohort.members.append(user)
    db.session.flush()


def remove_from_cohort(cohort: Cohort, user: User) -> None:
    if user in cohort.members:
        cohort.members.remove(user)
    db.session.flush()


def check_kind(kind: str) -> str:
    if kind not in {k.value for k in AssignmentKind}:
        raise ServiceError(_("Type de tuteur inconnu : %(kind)s.", kind=kind), field="kind")
    return kind


def assign_referent(learner: User, referent: User, kind: str) -> Assignment:
    """Assign a referent to a learner, or change the kind of an existing assignment."""
    check_kind(kind)
    if learner.role != Role.LEARNER:
        raise ServiceError(_("%(name)s n'est pas apprenti·e.", name=learner.name),
                           field="learner")
    if referent.role != Role.REFERENT:
        raise ServiceError(_("%(name)s n'est pas tuteur ou tutrice.", name=referent.name),
                           field="referent")
    assignment = db.session.scalar(select(Assignment).where(
        Assignment.learner_id == learner.id, Assignment.referent_id == referent.id))
    if assignment is None:
        assignment = Assignment(learner=learner, referent=referent, kind=kind)
        db.session.add(assignment)
    else:
        assignment.kind = kind
    db.session.flush()
    return assignment


def unassign_referent(assignment: Assignment) -> None:
    db.session.delete(assignment)
    db.session.flush()


def assignments_of_learner(learner: User) -> list[Assignment]:
    return list(db.session.scalars(
        select(Assignment).where(Assignment.learner_id == learner.id)
        .join(Assignment.referent).options(contains_eager(Assignment.referent))
        .order_by(User.name)))


def assignments_of_referent(referent: User) -> list[Assignment]:
    return list(db.session.scalars(
        select(Assignment).where(Assignment.referent_id == referent.id)
        .join(Assignment.learner).options(contains_eager(Assignment.learner))
        .order_by(User.name)))
