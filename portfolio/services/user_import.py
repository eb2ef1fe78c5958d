"""Bulk creation of accounts from a CSV file, with a report line by line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

from portfolio.db import db
from portfolio.models import Role, User
from portfolio.services import ServiceError
from portfolio.services.accounts import create_user, find_user_by_email, normalize_email
from portfolio.services.directory import add_to_cohort, get_or_create_cohort

# Headers as schools write them, French or English, mapped to our columns.
HEADER_ALIASES = {
    "email": "email", "e-mail": "email", "mail": "email", "courriel": "email",
    "adresse électronique": "email", "adresse email": "email",
    "name": "name", "nom": "name", "nom complet": "name", "display name": "name",
    "role": "role", "rôle": "role",
    "cohort": "cohort", "cohorte": "cohort", "promotion": "cohort", "promo": "cohort",
}
ROLE_ALIASES = {
    "learner": Role.LEARNER, "apprenti": Role.LEARNER, "apprentie": Role.LEARNER,
    "apprenti·e": Role.LEARNER, "apprenti(e)": Role.LEARNER,
    "referent": Role.REFERENT, "référent": Role.REFERENT, "référente": Role.REFERENT,
    "tuteur": Role.REFERENT, "tutrice": Role.REFERENT,
    "jury": Role.JURY, "admin": Role.ADMIN, "administrateur": Role.ADMIN,
    "administratrice": Role.ADMIN,
}
REQUIRED = ("email", "name", "role")


@dataclass
class ImportLine:
    line: int
    email: str
    created: bool
    reason: str = ""


@dataclass
class ImportReport:
    lines: list[ImportLine] = field(default_factory=list)
    users: list[User] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for line in self.lines if line.created)

    @property
    def refused(self) -> int:
        return sum(1 for line in self.lines if not line.created)


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise ServiceError(_("Ce fichier n'est pas un fichier CSV (octets nuls)."), field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel in French saves CSV in Windows-1252.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise ServiceError(_("Encodage du fichier non reconnu : enregistrez-le en UTF-8."),
                           field="file") from None


def parse_users_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """Return the rows of a users CSV with their line numbers, or refuse the whole file."""
    if len(data) > current_app.config["CSV_IMPORT_MAX_BYTES"]:
        raise ServiceError(_("Le fichier est trop gros."), field="file")
    text = _decode(data)
    if not text.strip():
        raise ServiceError(_("Le fichier est vide."), field="file")
    first_line = text.splitlines()[0]
    # Excel in French separates with semicolons; others with commas or tabs.
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
        columns = [HEADER_ALIASES.get(h.strip().lower()) for h in header]
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise ServiceError(
                _("Colonnes manquantes dans l'en-tête : %(cols)s (attendu : email, name, role, "
                  "cohort).", cols=", ".join(missing)), field="file")
        rows = []
        max_rows = current_app.config["CSV_IMPORT_MAX_ROWS"]
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise ServiceError(
                    _("Ligne %(line)d : %(found)d colonnes au lieu de %(expected)d ; le fichier "
                      "est mal formé et rien n'a été importé.", line=reader.line_num,
                      found=len(record), expected=len(header)), field="file")
            if len(rows) >= max_rows:
                raise ServiceError(_("Trop de lignes (%(max)d au plus).", max=max_rows),
                                   field="file")
            values = zip(columns, record, strict=False)  # a short line: the missing cells empty
            rows.append((reader.line_num, {c: v.strip() for c, v in values if c}))
    except csv.Error as exc:
        raise ServiceError(_("Fichier CSV mal formé (ligne %(line)d) : %(error)s.",
                             line=reader.line_num, error=str(exc)), field="file") from None
    if not rows:
        raise ServiceError(_("Le fichier ne contient aucune ligne après l'en-tête."), field="file")
    return rows


def import_users_csv(data: bytes) -> ImportReport:
    """Create the accounts of a CSV file; refuse bad lines one by one, a bad file whole."""
    rows = parse_users_csv(data)
    report = ImportReport()
    seen: set[str] = set()
    for line_no, row in rows:
        raw_email = row.get("email", "")
        try:
            email = normalize_email(raw_email)
            if email in seen:
                raise ServiceError(_("adresse en double dans le fichier"))
            seen.add(email)
            role = ROLE_ALIASES.get(row.get("role", "").lower())
            if role is None:
                raise ServiceError(_("rôle inconnu « %(role)s » (learner, referent, jury, admin)",
                                     role=row.get("role", "")))
            if find_user_by_email(email) is not None:
                raise ServiceError(_("un compte existe déjà avec cette adresse"))
            cohort_name = row.get("cohort", "")
            if cohort_name and role != Role.LEARNER:
                raise ServiceError(_("seuls les apprentis ont une promotion"))
            # A savepoint: a line that fails half-way leaves nothing behind.
            with db.session.begin_nested():
                user = create_user(email=email, name=row.get("name", ""), role=role)
                if cohort_name:
                    add_to_cohort(get_or_create_cohort(cohort_name), user)
        except ServiceError as exc:
            report.lines.append(ImportLine(line_no, raw_email, False, exc.message))
            continue
        report.users.append(user)
        report.lines.append(ImportLine(line_no, email, True))
    return report
