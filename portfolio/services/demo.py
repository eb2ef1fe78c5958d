"""The demonstration data set: fictitious people, clearly labelled, loaded idempotently."""

from __future__ import annotations

from portfolio.models import Role, User
from portfolio.services import accounts, directory, enrolments, frameworks

DEMO_PASSWORD = "demo-portfolio-2026"
DEMO_COHORT = "Apprentis 2027 (démo)"

PEOPLE = [
    ("admin@demo.portfolio.test", "Administration (démo)", Role.ADMIN),
    ("camille.martin@demo.portfolio.test", "Camille Martin (démo)", Role.LEARNER),
    ("yanis.benali@demo.portfolio.test", "Yanis Benali (démo)", Role.LEARNER),
    ("claire.dubois@demo.portfolio.test", "Claire Dubois (démo)", Role.REFERENT),
    ("marc.lefevre@demo.portfolio.test", "Marc Lefèvre (démo)", Role.REFERENT),
    ("jury@demo.portfolio.test", "Membre du jury (démo)", Role.JURY),
]
ASSIGNMENTS = [
    ("camille.martin@demo.portfolio.test", "claire.dubois@demo.portfolio.test", "academique"),
    ("camille.martin@demo.portfolio.test", "marc.lefevre@demo.portfolio.test", "entreprise"),
    ("yanis.benali@demo.portfolio.test", "claire.dubois@demo.portfolio.test", "academique"),
]


# (learner, framework, blocks): Yanis follows IT Blocs 1 to 3 and the security option bloc.
ENROLMENTS = [
    ("camille.martin@demo.portfolio.test", "ing-num", None),
    ("yanis.benali@demo.portfolio.test", "ing-info", ["BLOC1", "BLOC2", "BLOC3", "BLOC7"]),
]


def load_demo() -> list[User]:
    """Load the shipped référentiels, then the demo accounts, cohort, assignments, enrolments."""
    frameworks.load_shipped_frameworks()
    people = []
    for email, name, role in PEOPLE:
        user = accounts.find_user_by_email(email) or accounts.create_user(
            email=email, name=name, role=role, password=DEMO_PASSWORD)
        people.append(user)
    cohort = directory.get_or_create_cohort(DEMO_COHORT)
    for user in people:
        if user.role == Role.LEARNER:
            directory.add_to_cohort(cohort, user)
    for learner, referent, kind in ASSIGNMENTS:
        directory.assign_referent(accounts.find_user_by_email(learner),
                                  accounts.find_user_by_email(referent), kind)
    for learner, code, blocks in ENROLMENTS:
        enrolments.enrol(accounts.find_user_by_email(learner), frameworks.get_framework(code),
                         blocks)
    return people
