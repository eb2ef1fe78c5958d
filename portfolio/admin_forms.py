"""The admin pages' forms (accounts, referent assignments, account-less company tutors)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portfolio.forms import ONE_LINE, STRIP
from portfolio.i18n import LANGUAGE_NAMES
from portfolio.models import AssignmentKind, Role


def role_choices():
    return [(Role.LEARNER.value, _l("Apprenti·e")), (Role.REFERENT.value, _l("Tuteur·rice")),
            (Role.JURY.value, _l("Membre du jury")), (Role.ADMIN.value, _l("Administration"))]


def kind_choices():
    return [(AssignmentKind.ACADEMIQUE.value, _l("Tuteur·rice académique")),
            (AssignmentKind.ENTREPRISE.value, _l("Maître d'apprentissage (entreprise)"))]


def locale_choices():
    return [("", _l("Celle du navigateur"))] + list(LANGUAGE_NAMES.items())


class UserForm(FlaskForm):
    email = EmailField(_l("Adresse électronique"), filters=STRIP,
                       validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Nom affiché"), filters=ONE_LINE,
                       validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Rôle"), choices=role_choices)
    locale = SelectField(_l("Langue"), choices=locale_choices)


class NewUserForm(UserForm):
    cohort = StringField(_l("Promotion (apprentis seulement, facultatif)"), filters=ONE_LINE,
                         validators=[Length(max=120)])


class AssignForm(FlaskForm):
    referent = SelectField(_l("Tuteur·rice"), coerce=int, validate_choice=False)
    kind = SelectField(_l("En tant que"), choices=kind_choices)


class ImportForm(FlaskForm):
    file = FileField(_l("Fichier CSV"), validators=[FileRequired()])


class CohortForm(FlaskForm):
    name = StringField(_l("Nom de la promotion"), filters=ONE_LINE,
                       validators=[DataRequired(), Length(max=120)])


class MemberForm(FlaskForm):
    email = EmailField(_l("Adresse de l'apprenti·e"), filters=STRIP,
                       validators=[DataRequired(), Length(max=254)])


class CompanyTutorForm(FlaskForm):
    """A maître d'apprentissage without an account: answers by links sent by email."""

    name = StringField(_l("Nom"), filters=ONE_LINE, validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Adresse électronique"), filters=STRIP,
                       validators=[DataRequired(), Length(max=254)])
    company = StringField(_l("Entreprise (facultatif)"), filters=ONE_LINE,
                          validators=[Optional(), Length(max=200)])


def period_kind_choices():
    return [("entreprise", _l("En entreprise")), ("ecole", _l("À l'école"))]


class PeriodForm(FlaskForm):
    """One period of a cohort's alternance calendar."""

    kind = SelectField(_l("Période"), choices=period_kind_choices)
    starts_on = DateField(_l("Du"), validators=[DataRequired()])
    ends_on = DateField(_l("Au (inclus)"), validators=[DataRequired()])


class PeriodImportForm(FlaskForm):
    file = FileField(_l("Fichier CSV (type, début, fin)"), validators=[FileRequired()])
