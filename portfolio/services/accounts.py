"""Accounts: creation, passwords, login sessions, reset links, deactivation."""

from __future__ import annotations

import hashlib
import logging
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, func, select

from portfolio import mail
from portfolio.db import db, utcnow
from portfolio.models import ROLES, LoginSession, SiteVersion, User
from portfolio.passwords import hash_password, needs_rehash, token_digest, verify_password
from portfolio.services import ServiceError
from portfolio.text import clean_name, clean_text, parse_int
from portfolio.urls import public_url

log = logging.getLogger("portfolio.auth")

PASSWORD_MAX_LENGTH = 1024  # argon2 takes any length; a megabyte "password" is an attack
NAME_MAX_LENGTH = 120


def normalize_email(raw: str | None) -> str:
    """Return the email as stored (lower-cased, checked), or refuse it."""
    value = (clean_text(raw) or "").lower()
    if not value:
        raise ServiceError(_("L'adresse électronique est obligatoire."), field="email")
    try:
        result = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        raise ServiceError(_("Cette adresse électronique n'est pas valide."),
                           field="email") from None
    return result.normalized.lower()


def check_name(raw: str | None) -> str:
    """Return a cleaned display name, or refuse it."""
    name = clean_name(raw) or ""
    if not name:
        raise ServiceError(_("Le nom est obligatoire."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ServiceError(_("Le nom est trop long (%(max)d caractères au plus).",
                             max=NAME_MAX_LENGTH), field="name")
    return name


def check_password(password: str, email: str | None = None, field: str = "password") -> None:
    """Refuse a password that is too short, too long or the email itself."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ServiceError(_("Le mot de passe doit compter au moins %(min)d caractères.",
                             min=minimum), field=field)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ServiceError(_("Le mot de passe est trop long."), field=field)
    if email and password.strip().lower() == email.lower():
        raise ServiceError(_("Le mot de passe ne peut pas être votre adresse électronique."),
                           field=field)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ServiceError(_("Rôle inconnu : %(role)s.", role=role), field="role")
    return role


def check_locale(locale: str | None) -> str | None:
    if locale in (None, ""):
        return None
    if locale not in current_app.config["LANGUAGES"]:
        raise ServiceError(_("Langue non prise en charge."), field="locale")
    return locale


def find_user_by_email(email: str) -> User | None:
    """Return the user with this email (any case), or None."""
    try:
        normalized = normalize_email(email)
    except ServiceError:
        return None
    return db.session.scalar(select(User).where(User.email == normalized))


def _next_id_on_sqlite() -> int | None:
    """SQLite gives a new row the largest id + 1: after the purge of the newest account, the
    next account would take its id, which the purge's audit line names. Past every id ever
    given or named instead (PostgreSQL's sequences never reuse one: None lets it choose)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return None
    from portfolio.models import AuditLine

    highest = db.session.scalar(select(func.max(User.id))) or 0
    named = db.session.scalar(select(func.max(AuditLine.subject_id))) or 0
    return max(highest, named) + 1


def create_user(*, email: str, name: str, role: str, password: str | None = None,
                locale: str | None = None) -> User:
    """Create an account; without a password it waits for an invitation to be accepted."""
    email = normalize_email(email)
    name = check_name(name)
    check_role(role)
    locale = check_locale(locale)
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise ServiceError(_("Un compte existe déjà avec cette adresse."), field="email",
                           code="duplicate")
    user = User(id=_next_id_on_sqlite(), email=email, name=name, role=role, locale=locale,
                active=True)
    if password is not None:
        check_password(password, email)
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
    db.session.add(user)
    db.session.flush()
    log.info("user created id=%s role=%s", user.id, role)
    return user


def update_user(user: User, *, email: str, name: str, role: str,
                locale: str | None) -> User:
    """Change an account's identity and role (an admin's edit)."""
    email = normalize_email(email)
    if email != user.email and find_user_by_email(email) is not None:
        raise ServiceError(_("Un compte existe déjà avec cette adresse."), field="email",
                           code="duplicate")
    if email != user.email:
        from portfolio.services.email_change import propose

        propose(user, email)
    user.name = check_name(name)
    user.role = check_role(role)
    user.locale = check_locale(locale)
    db.session.flush()
    return user


def update_profile(user: User, *, name: str, locale: str | None,
                   email_notifications: bool | None = None) -> User:
    """Change what a person may change of their own account."""
    user.name = check_name(name)
    user.locale = check_locale(locale)
    if email_notifications is not None:
        user.email_notifications = email_notifications
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user whose email and password match, else None, in the same time either way."""
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None:
        log.warning("login failed user=%s", user.id if user else "-")
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def open_login_session(user: User, user_agent: str | None = None) -> str:
    """Record a new login for the user and return the token its cookie will carry."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    login = LoginSession(
        user=user,
        token_hash=token_digest(token),
        created_at=now,
        expires_at=now + current_app.config["LOGIN_SESSION_LIFETIME"],
        user_agent=(clean_name(user_agent) or "")[:200] or None,
    )
    db.session.add(login)
    user.last_login_at = now
    user._login_token = token
    db.session.flush()
    user.current_login_id = login.id
    log.info("login user=%s", user.id)
    return token


# Built once: it runs on every request. It reads the site's version in the same round trip,
# for the page cache (portfolio/pagecache.py).
_LOGIN = (select(User, LoginSession.id, LoginSession.expires_at,
                 select(SiteVersion.value).scalar_subquery())
          .join(LoginSession, LoginSession.user_id == User.id)
          .where(User.id == bindparam("user"), LoginSession.token_hash == bindparam("digest")))


def load_login(user_id: str, token: str) -> User | None:
    """Return the user of a live, unexpired login session; None revokes the cookie."""
    if parse_int(user_id, 18) is None or not token or len(token) > 100:
        return None
    row = db.session.execute(_LOGIN, {"user": int(user_id), "digest": token_digest(token)}
                             ).first()
    if row is None:
        return None
    user, login_id, expires_at, site_version = row
    if not user.active or expires_at <= utcnow():
        return None
    user._login_token = token
    user.current_login_id = login_id
    user.site_version = site_version
    return user


def close_login_session(user: User) -> None:
    """End the login this request runs under."""
    if user.current_login_id is not None:
        db.session.execute(delete(LoginSession).where(LoginSession.id == user.current_login_id))
        user.current_login_id = None
        db.session.flush()
    log.info("logout user=%s", user.id)


def close_all_login_sessions(user: User) -> None:
    """End every login of the user: on every device (remember cookies included), and every
    API token (a script is a login too). Used by a new password (change, reset, invitation),
    "log out everywhere", an erasure request, a deactivation and a confirmed new address."""
    from portfolio.services.tokens import revoke_all

    revoke_all(user)
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.current_login_id = None
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """Set a new password and end every login of the user."""
    check_password(password, user.email)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.link_only = False  # a maître d'apprentissage who chose a password: an account now
    close_all_login_sessions(user)
    log.info("password set user=%s", user.id)


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password, knowing the current one."""
    if not verify_password(user.password_hash, current):
        raise ServiceError(_("Le mot de passe actuel n'est pas le bon."), field="current")
    check_password(new, user.email, field="new")
    set_password(user, new)


def deactivate_user(user: User) -> None:
    """Stop an account from logging in and end its sessions; its data stays."""
    user.active = False
    close_all_login_sessions(user)
    log.info("user deactivated id=%s", user.id)


def reactivate_user(user: User) -> None:
    user.active = True
    db.session.flush()
    log.info("user reactivated id=%s", user.id)


# Reset and invitation links --------------------------------------------------------------

_SALTS = {"reset": "password-reset", "invitation": "invitation"}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALTS[purpose])


def _password_fingerprint(user: User) -> str:
    # Changes whenever the password does: a link works once, and not after a later change.
    material = f"{user.password_hash}|{user.password_changed_at}|{user.email}|{user.invited_at}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def make_password_token(user: User, purpose: str = "reset") -> str:
    """Return a signed, single-use token to set the user's password."""
    return _serializer(purpose).dumps({"u": user.id, "f": _password_fingerprint(user)})


def user_from_password_token(token: str, purpose: str = "reset") -> User | None:
    """Return the user a valid, unexpired, unused token was made for, else None."""
    max_age = current_app.config[
        "PASSWORD_RESET_MAX_AGE" if purpose == "reset" else "INVITATION_MAX_AGE"]
    try:
        data = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active or data.get("f") != _password_fingerprint(user):
        return None
    return user


def send_password_reset(email: str) -> None:
    """Email a reset link if an active account has this address; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        log.info("password reset asked for an unknown or inactive address")
        return
    link = public_url("auth.reset_password", token=make_password_token(user, "reset"))
    mail.send_template(user, "mail/password_reset.txt",
                       _l("Réinitialiser votre mot de passe Portfolio"), link=link)
    log.info("password reset sent user=%s", user.id)


def send_invitation(user: User) -> None:
    """Email a new account its link to choose a password; only an account that never chose
    one (else it would hand the account to whoever reads that mailbox). A new invitation voids
    the links sent before it."""
    if user.password_hash is not None:
        raise ServiceError(_("Ce compte a déjà un mot de passe : la personne peut le "
                             "réinitialiser elle-même (« Mot de passe oublié »)."), field="email")
    user.invited_at = utcnow()
    db.session.flush()
    link = public_url("auth.accept_invitation", token=make_password_token(user, "invitation"))
    mail.send_template(user, "mail/invitation.txt", _l("Votre compte Portfolio"), link=link)
