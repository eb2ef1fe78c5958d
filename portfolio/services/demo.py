"""The demonstration data set: fictitious people, clearly labelled, loaded idempotently."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portfolio.db import db
from portfolio.models import Entry, Role, User
from portfolio.services import accounts, assessments, directory, enrolments, frameworks
from portfolio.services import entries as entry_service

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
    _camille_has_written()
    return people


# Camille's first entries and levels, so that the radar and the timeline have something to show.
ENTRIES = [
    ("Migration de la base clients vers PostgreSQL", "work_placement", "referents", 40,
     "Airbus, équipe data",
     "J'ai préparé puis conduit la migration de la base clients.\n\n- inventaire des tables\n"
     "- scripts de migration testés sur une copie\n- bascule un samedi matin, sans perte",
     {"situation": "Une base vieillissante, une équipe inquiète de la bascule.",
      "strengths": "La méthode : j'ai tout répété sur une copie avant.",
      "improvements": "J'ai trop peu expliqué le plan aux utilisateurs."},
     ["C2.1", "C2.4", "S2.1"]),
    ("Bilan du premier semestre", "reflection", "private", 12, "",
     "Six mois d'alternance : ce que je sais faire, ce qui reste difficile.",
     {"situation": "Septembre à février.", "next_steps": "Prendre la parole en réunion."},
     ["S1.1", "S1.2"]),
]
LEVELS = [  # (compétence, self, referent)
    ("C2.1", 3, 2), ("C2.4", 2, 2), ("S2.1", 3, 3), ("S1.1", 2, None), ("S1.2", 3, 1),
]


def _camille_has_written() -> None:
    camille = accounts.find_user_by_email("camille.martin@demo.portfolio.test")
    claire = accounts.find_user_by_email("claire.dubois@demo.portfolio.test")
    if db.session.scalar(select(Entry.id).where(Entry.learner_id == camille.id).limit(1)):
        return
    framework = frameworks.get_framework("ing-num")
    codes = {c.code: c for b in framework.current_blocks for c in b.current_competencies}
    for title, kind, visibility, days, context, body, reflection, tags in ENTRIES:
        entry_service.create_entry(camille, entry_service.EntryData(
            title=title, kind=kind, visibility=visibility, context=context, body=body,
            reflection=reflection, occurred_on=date.today() - timedelta(days=days),
            tags=[entry_service.TagData(codes[c].id) for c in tags]))
    for code, self_level, referent_level in LEVELS:
        assessments.assess_self(camille, codes[code], self_level,
                                "Voir mes entrées sur ce sujet.")
        if referent_level is not None:
            assessments.assess_as_referent(claire, camille, codes[code], referent_level,
                                           "Vu ensemble en entretien.")
