"""The demonstration data set: fictitious people, clearly labelled, loaded idempotently."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portfolio.db import db, utcnow
from portfolio.models import Entry, Role, User
from portfolio.services import accounts, assessments, directory, enrolments, feedback, frameworks
from portfolio.services import attachments as attachment_service
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
    _alternance(cohort)
    _camille_has_written()
    return people


def _alternance(cohort) -> None:
    """The cohort's rhythm around today: six weeks at school, ten in the company, over a year
    and a half (the period under way is in the company)."""
    from datetime import date, timedelta

    from portfolio.services import periods

    if periods.periods_of_cohort(cohort.id):
        return
    start = date.today() - timedelta(days=420)
    for _round in range(7):
        school_end = start + timedelta(weeks=6, days=-1)
        company_end = school_end + timedelta(weeks=10)
        periods.add_period(cohort, "ecole", start, school_end)
        periods.add_period(cohort, "entreprise", school_end + timedelta(days=1), company_end)
        start = company_end + timedelta(days=1)
        if start > date.today() + timedelta(days=60):
            break


# Camille's second year of alternance, so that every screen shows something true on first run:
# entries dated over fourteen months, levels that progress, an answered request and a pending
# one, a comment thread, an image, and entries chosen for the jury (the first export has them).
# (title, kind, visibility, days ago, context, body, reflection, tags)
ENTRIES = [
    ("Cartographie du système d'information client", "work_placement", "jury", 410,
     "Airbus, équipe data",
     "Première mission : comprendre d'où viennent les données clients.\n\n"
     "- entretiens avec quatre équipes\n- schéma des flux entre sept applications\n"
     "- liste des doublons et des ressaisies",
     {"situation": "Arrivée dans l'équipe, aucun schéma à jour.",
      "actions": "J'ai rencontré chaque équipe et dessiné les flux au fur et à mesure.",
      "strengths": "Poser des questions simples sans avoir peur de paraître novice."},
     ["C1.1", "C2.1"]),
    ("Cours de bases de données avancées : projet d'indexation", "course", "referents", 360,
     "École, semestre 7",
     "Projet en binôme : mesurer l'effet des index sur une base de 10 millions de lignes.",
     {"improvements": "Nous avons commencé les mesures trop tard."},
     ["C2.4"]),
    ("Premier bilan avec ma tutrice entreprise", "reflection", "private", 330, "",
     "Ce que j'ai appris en trois mois, ce qui me freine encore.",
     {"situation": "Entretien de mi-période avec Marc.",
      "next_steps": "Prendre la parole en réunion d'équipe au moins une fois par semaine."},
     ["S1.1", "S1.2"]),
    ("Modélisation de la nouvelle base clients", "project", "jury", 250,
     "Airbus, équipe data",
     "J'ai proposé un modèle relationnel normalisé (3NF) qui supprime les ressaisies.\n\n"
     "Le schéma joint a été validé en revue d'architecture.\n\n![Le schéma](SCHEMA)",
     {"actions": "Trois versions du schéma, chacune relue par un senior.",
      "strengths": "La rigueur : chaque table justifiée par un besoin."},
     ["C2.1", "C3.1"]),
    ("Présentation du projet au comité technique", "work_placement", "jury", 180,
     "Airbus, comité technique",
     "Quinze minutes pour convaincre de financer la migration : accordé.",
     {"strengths": "J'ai su répondre aux objections sur le coût.",
      "improvements": "Trop de diapositives techniques pour ce public."},
     ["S2.1", "S1.2"]),
    ("Migration de la base clients vers PostgreSQL", "work_placement", "jury", 60,
     "Airbus, équipe data",
     "J'ai préparé puis conduit la migration de la base clients.\n\n- inventaire des tables\n"
     "- scripts de migration testés sur une copie\n- bascule un samedi matin, sans perte",
     {"situation": "Une base vieillissante, une équipe inquiète de la bascule.",
      "strengths": "La méthode : j'ai tout répété sur une copie avant.",
      "improvements": "J'ai trop peu expliqué le plan aux utilisateurs."},
     ["C2.1", "C2.4", "S2.1"]),
    ("Bilan du semestre", "reflection", "referents", 25, "",
     "Six mois de plus : ce que je sais faire, ce qui reste difficile.",
     {"situation": "Septembre à novembre.", "next_steps": "Encadrer le stagiaire de janvier."},
     ["S1.1", "S1.2"]),
    ("Automatiser les tests de migration", "work_placement", "referents", 6,
     "Airbus, équipe data",
     "Un jeu de tests qui rejoue la migration sur une copie anonymisée chaque nuit.",
     {}, ["C2.4", "C3.1"]),
]
# (compétence, [(days ago, self level)], [(days ago, tutor level)]): levels that progress.
LEVELS = [
    ("C1.1", [(400, 1), (240, 2)], [(230, 2)]),
    ("C2.1", [(400, 1), (240, 2), (55, 3)], [(230, 1), (50, 2)]),
    ("C2.4", [(350, 1), (55, 3)], [(340, 1), (50, 2)]),
    ("C3.1", [(240, 2)], [(170, 2)]),
    ("S1.1", [(330, 1), (25, 2)], []),
    ("S1.2", [(330, 1), (175, 2), (25, 3)], [(170, 1), (20, 2)]),
    ("S2.1", [(175, 2), (55, 3)], [(170, 3)]),
]


# The carnet de liaison: the fiches de suivi of the last three company periods (two closed,
# the last one waiting for Marc), with what each hand wrote, and one visit.
# (missions, learned, compétences exercised, Marc's levels, savoir-être, next, Claire)
FICHES = [
    ("Cartographie des flux de données clients ; entretiens avec quatre équipes.",
     "Poser des questions simples, dessiner avant d'écrire.", ["C1.1", "C2.1", "S1.2"],
     {"C1.1": 2, "C2.1": 1, "S1.2": 1}, "Ponctuelle, curieuse ; encore discrète en réunion.",
     "Modéliser la nouvelle base clients.",
     "Bonne première période ; la prise de parole est l'objectif de la suivante."),
    ("Modélisation de la base clients, revue d'architecture, présentation au comité.",
     "Justifier chaque choix de conception ; adapter un exposé à son public.",
     ["C2.1", "C3.1", "S2.1"], {"C2.1": 2, "C3.1": 2, "S2.1": 2},
     "Autonome ; a pris la parole devant le comité technique.",
     "Préparer la migration vers PostgreSQL.",
     "Progrès nets en communication ; le dossier de conception est solide."),
    ("Migration de la base clients vers PostgreSQL, bascule un samedi.",
     "Répéter sur une copie avant d'agir ; expliquer un plan aux utilisateurs.",
     ["C2.1", "C2.4", "S2.1"], {}, "", "", ""),
]


def _carnet(camille, claire, marc, codes) -> None:
    from portfolio.models import PeriodReview
    from portfolio.services import period_reviews, periods, visits

    ended = [p for p in periods.periods_of_learner(camille.id)
             if p.kind == "entreprise" and p.ends_on < date.today()][-3:]
    for period, fiche in zip(ended, FICHES[-len(ended):] if ended else [], strict=True):
        missions, learned, exercised, levels, savoir_etre, next_missions, comment = fiche
        after = (date.today() - period.ends_on).days
        review = PeriodReview(learner_id=camille.id, period_id=period.id)
        db.session.add(review)
        db.session.flush()
        _dated(review, after - 1)
        period_reviews.save_self(camille, review, missions, learned,
                                 [codes[c].id for c in exercised], send=True)
        review.submitted_at = review.created_at + timedelta(days=3)
        if not levels:
            continue  # the last one waits for Marc
        given = period_reviews.fill_company(
            marc, review, {codes[c].id: level for c, level in levels.items()}, {},
            savoir_etre=savoir_etre, missions_next=next_missions, comment="", confirmed=True,
            name=marc.name)
        review.attested_at = review.created_at + timedelta(days=8)
        for level in given:
            level.created_at = review.attested_at
        period_reviews.close(claire, review, comment)
        review.closed_at = review.created_at + timedelta(days=12)
        review.in_export = True
    visit = visits.write(claire, camille, date.today() - timedelta(days=30),
                         people_met="Marc Lefèvre (tuteur entreprise), l'équipe data",
                         missions="La migration vers PostgreSQL ; l'automatisation des tests.",
                         agreed="Encadrer le stagiaire de janvier ; documenter le plan de "
                                "retour arrière.")
    _dated(visit, 28)
    visits.annotate(camille, visit, "Merci : j'ajoute le plan de retour arrière au dossier.")
    _dated(visit.notes[-1], 27)


def _schema_png() -> bytes:
    """A small diagram for the modelling entry, drawn here (no file shipped for it)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 240), "white")
    draw = ImageDraw.Draw(image)
    for x, label in ((30, "CLIENT"), (190, "CONTRAT"), (350, "ADRESSE")):
        draw.rectangle((x, 80, x + 100, 150), outline=(31, 95, 168), width=3)
        draw.text((x + 18, 108), label, fill=(29, 33, 37))
    draw.line((130, 115, 190, 115), fill=(31, 95, 168), width=3)
    draw.line((290, 115, 350, 115), fill=(31, 95, 168), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _dated(item, days: int) -> None:
    item.created_at = utcnow() - timedelta(days=days)
    if hasattr(item, "updated_at"):  # an entry: written that day, not today
        item.updated_at = item.created_at


def _camille_has_written() -> None:
    import io

    camille = accounts.find_user_by_email("camille.martin@demo.portfolio.test")
    claire = accounts.find_user_by_email("claire.dubois@demo.portfolio.test")
    marc = accounts.find_user_by_email("marc.lefevre@demo.portfolio.test")
    if db.session.scalar(select(Entry.id).where(Entry.learner_id == camille.id).limit(1)):
        return
    framework = frameworks.get_framework("ing-num")
    codes = {c.code: c for b in framework.current_blocks for c in b.current_competencies}
    written = {}

    def data(title, kind, visibility, days, context, body, reflection, tags):
        return entry_service.EntryData(
            title=title, kind=kind, visibility=visibility, context=context, body=body,
            reflection=reflection, occurred_on=date.today() - timedelta(days=days),
            tags=[entry_service.TagData(codes[c].id) for c in tags])

    for row in ENTRIES:
        entry = entry_service.create_entry(
            camille, data(*row[:5], row[5].replace("\n\n![Le schéma](SCHEMA)", ""), *row[6:]))
        _dated(entry, row[3])
        written[row[0]] = entry
    # The modelling entry's second version shows its diagram, attached then placed in the text.
    row = next(r for r in ENTRIES if "SCHEMA" in r[5])
    modelling = written[row[0]]
    schema = attachment_service.store_upload(modelling, io.BytesIO(_schema_png()), "schema.png")
    entry_service.update_entry(modelling, camille, data(
        *row[:5], row[5].replace("SCHEMA", f"/attachments/{schema.id}"), *row[6:]),
        modelling.version)
    _dated(modelling, row[3] - 2)  # the diagram came two days later
    _carnet(camille, claire, marc, codes)  # before the levels below: those stay the latest
    for code, selfs, tutors in LEVELS:
        for days, level in selfs:
            _dated(assessments.assess_self(camille, codes[code], level,
                                           "Voir mes entrées sur ce sujet."), days)
        for days, level in tutors:
            _dated(assessments.assess_as_referent(claire, camille, codes[code], level,
                                                  "Vu ensemble en entretien."), days)
    # The loop with the tutors: one request answered (with a level), one waiting, a thread.
    migration = written["Migration de la base clients vers PostgreSQL"]
    answered = feedback.request_feedback(camille, migration, claire.id,
                                         "Est-ce que cela suffit pour C2.4 ?")
    feedback.answer(claire, answered, "Oui : la répétition sur une copie est exactement ce "
                    "qu'on attend. Pense à documenter le plan de retour arrière.",
                    {codes["C2.4"].id: 3})
    feedback.add_comment(camille, migration, "Merci ! Le plan de retour arrière est ajouté.")
    feedback.request_feedback(camille, written["Automatiser les tests de migration"], marc.id,
                              "Qu'en pensez-vous avant que je le présente à l'équipe ?")
