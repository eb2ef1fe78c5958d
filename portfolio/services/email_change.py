"""A new address for an account: an admin proposes it, the person confirms it (logged in,
with their password) when the account has one, so that no admin can take an account by sending
a password link to an address of their own."""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portfolio import mail
from portfolio.db import db
from portfolio.models import User
from portfolio.passwords import verify_password
from portfolio.services import ServiceError
from portfolio.services.accounts import close_all_login_sessions, find_user_by_email

log = logging.getLogger(__name__)


def propose(user: User, email: str) -> None:
    """An admin's change of address. An account that never chose a password takes it at once;
    one that has a password keeps its address until the person confirms the new one, logged in
    (else an admin could send a reset link to an address of theirs and read the portfolio).
    The current address is told either way."""
    old = user.email
    if user.password_hash is None:
        user.email, user.pending_email = email, None
    else:
        user.pending_email = email
    mail.send_template(user, "mail/email_change.txt", _l("Changement d'adresse de votre compte "
                                                          "Portfolio"), to=old, new=email,
                       pending=user.pending_email is not None)
    log.info("email change user=%s pending=%s", user.id, user.pending_email is not None)


def confirm(user: User, password: str) -> None:
    """The person accepts the address an admin proposed (their password proves it is them);
    their other logins and API tokens end."""
    if user.pending_email is None:
        raise ServiceError(_("Aucun changement d'adresse n'attend votre accord."),
                           field="password")
    if not verify_password(user.password_hash, password or ""):
        raise ServiceError(_("Mot de passe incorrect."), field="password")
    if find_user_by_email(user.pending_email) is not None:
        user.pending_email = None
        raise ServiceError(_("Un compte existe déjà avec cette adresse."), field="password")
    user.email, user.pending_email = user.pending_email, None
    close_all_login_sessions(user)
    db.session.flush()


def decline(user: User) -> None:
    user.pending_email = None
    db.session.flush()
