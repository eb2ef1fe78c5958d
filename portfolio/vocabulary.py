"""Every label the app shows for a stored value, in one place: French source strings, lazy so
that each request (or mail, or export) reads them in its own language. Views, templates (as
`vocabulary`) and exports read them here; nothing else defines a label for these values."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portfolio.i18n import LANGUAGE_NAMES

KINDS = {
    "work_placement": _l("Preuve en entreprise"),
    "project": _l("Projet"),
    "course": _l("Cours"),
    "personal": _l("Expérience personnelle"),
    "reflection": _l("Réflexion"),
}
VISIBILITIES = {
    "private": _l("Privée : vous seul·e"),
    "referents": _l("Tuteurs : vous et vos tuteurs"),
    "jury": _l("Jury : vos tuteurs, et le jury si vous la mettez dans un export"),
}
# The same, as a tutor reads them on someone else's entry (not the learner's "vous").
VISIBILITIES_SEEN = {
    "private": _l("Privée"),
    "referents": _l("Lisible par ses tuteurs"),
    "jury": _l("Lisible par ses tuteurs et par le jury"),
}
REFLECTION = {
    "situation": _l("La situation"),
    "actions": _l("Ce que j'ai fait"),
    "strengths": _l("Ce que j'ai appris sur moi : forces mobilisées"),
    "improvements": _l("Ce que j'ai appris sur moi : points de progrès"),
    "values": _l("Valeurs et motivations"),
    "next_steps": _l("Prochaines étapes"),
}
# An entry's fields, as its history and a request's "since" list them.
ENTRY_FIELDS = {
    "title": _l("Titre"), "context": _l("Contexte"), "occurred_on": _l("Date"),
    "kind": _l("Type"), "visibility": _l("Visibilité"), "tags": _l("Compétences"),
    "body": _l("Texte"), **REFLECTION,
}
ROLES = {
    "learner": _l("Apprenti·e"), "referent": _l("Tuteur·rice"), "jury": _l("Membre du jury"),
    "admin": _l("Administration"),
}
ASSIGNMENT_KINDS = {
    "academique": _l("Tuteur·rice académique"), "entreprise": _l("Maître d'apprentissage"),
}
REQUEST_STATES = {
    "requested": _l("en attente"), "answered": _l("répondue"), "closed": _l("close"),
    "withdrawn": _l("retirée"),
}
LANGUAGES = LANGUAGE_NAMES
# The question a destructive action asks first, by endpoint: in a dialog with JavaScript
# (data-confirm), on a page of its own without (forms.confirmation).
# A link sent to a maître d'apprentissage without an account (models/links.py).
LINK_STATES = {
    "open": _l("valable"),
    "answered": _l("répondu"),
    "revoked": _l("révoqué"),
    "expired": _l("expiré"),
}
# A fiche de suivi's hands, in order (models/followup.py).
REVIEW_STATES = {
    "self": _l("bilan de l'apprenti·e à écrire"),
    "company": _l("à remplir par le maître d'apprentissage"),
    "academic": _l("à lire par le tuteur académique"),
    "closed": _l("close"),
}
# What a Leap2A import leaves aside, by kind (services/leap2a_read.py).
IMPORT_SKIPPED = {
    "page": _l("pages"),
    "collection": _l("collections de pages"),
    "annotation": _l("annotations"),
    "annotationfeedback": _l("retours sur des annotations"),
    "comment_elsewhere": _l("commentaires sur des pages"),
    "profile": _l("profil"),
    "ability": _l("compétences d'un référentiel"),
    "framework": _l("référentiels"),
    "resume": _l("éléments de CV"),
    "selection": _l("autres sélections"),
    "other": _l("autres éléments"),
}
CONFIRM = {
    "entries.delete": _l("Supprimer définitivement cette entrée, ses versions et ses pièces "
                         "jointes ?"),
    "entries.discard_draft": _l("Abandonner ce brouillon ?"),
    "feedback.withdraw": _l("Retirer cette demande ?"),
    "feedback.delete_comment": _l("Supprimer ce commentaire ?"),
    "exports.revoke_link": _l("Révoquer ce lien ? Il ne s'ouvrira plus."),
    "account.logout_everywhere": _l("Se déconnecter de tous les appareils, celui-ci compris ?"),
    "account.erase": _l("Effacer votre compte dans 30 jours ?"),
    "admin.deactivate_user": _l("Désactiver ce compte ? La personne ne pourra plus se "
                                "connecter ; ses données restent."),
    "admin.unassign": _l("Retirer cette affectation ?"),
    "admin.remove_member": _l("Retirer cette personne de la promotion ?"),
    "admin_frameworks.unenrol": _l("Retirer cette inscription ? Les entrées et évaluations "
                                   "restent."),
    "admin_periods.delete": _l("Supprimer cette période du calendrier ? Les entrées restent."),
}
PERIOD_KINDS = {"ecole": _l("à l'école"), "entreprise": _l("en entreprise")}
# A compétence's gaps (services/evidence.py, GAP_KINDS): the evidence page and the jury export.
EVIDENCE_GAPS = {
    "no_evidence": _l("aucune preuve"),
    "no_referent_level": _l("prouvée, sans niveau d'un tuteur"),
    "self_above": _l("auto-évaluation au-dessus des tuteurs"),
}


def role_count(role: str, count: int) -> str:
    """"3 apprenti·es", "1 membre du jury": a number of people of a role, agreed."""
    return {
        "learner": ngettext("%(num)d apprenti·e", "%(num)d apprenti·es", count),
        "referent": ngettext("%(num)d tuteur·rice", "%(num)d tuteur·rices", count),
        "jury": ngettext("%(num)d membre du jury", "%(num)d membres du jury", count),
        "admin": ngettext("%(num)d administrateur·rice", "%(num)d administrateur·rices", count),
    }.get(role, f"{count} {role}")


def init_app(app: Flask) -> None:
    """Give every template the vocabulary (`vocabulary.ROLES[...]`)."""
    app.jinja_env.globals["vocabulary"] = SimpleNamespace(
        KINDS=KINDS, VISIBILITIES=VISIBILITIES, VISIBILITIES_SEEN=VISIBILITIES_SEEN,
        REFLECTION=REFLECTION,
        ENTRY_FIELDS=ENTRY_FIELDS, ROLES=ROLES, ASSIGNMENT_KINDS=ASSIGNMENT_KINDS,
        REQUEST_STATES=REQUEST_STATES, LANGUAGES=LANGUAGES, CONFIRM=CONFIRM,
        LINK_STATES=LINK_STATES, PERIOD_KINDS=PERIOD_KINDS, REVIEW_STATES=REVIEW_STATES,
        EVIDENCE_GAPS=EVIDENCE_GAPS, role_count=role_count)
