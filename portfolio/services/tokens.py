"""Personal access tokens for the JSON API."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portfolio.db import db, utcnow
from portfolio.models import ApiToken, User
from portfolio.passwords import token_digest
from portfolio.services import NotFound, ServiceError
from portfolio.text import clean_name

PREFIX = "pf_"
MAX_TOKENS = 20
# Writing "last used" on every call would make each API read a write: once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)


def create_token(user: User, name: str | None = "") -> tuple[ApiToken, str]:
    """A new token for the user; the clear token is returned once and never stored."""
    label = clean_name(name) or ""
    if len(label) > 100:
        raise ServiceError(_("Le nom est trop long (100 caractères au plus)."), field="name")
    active = db.session.scalars(select(ApiToken.id).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    if len(active) >= MAX_TOKENS:
        raise ServiceError(_("Au plus %(max)d jetons actifs : révoquez-en un d'abord.",
                             max=MAX_TOKENS), field="name")
    token = PREFIX + secrets.token_urlsafe(32)
    item = ApiToken(user_id=user.id, name=label, token_hash=token_digest(token),
                    created_at=utcnow())
    db.session.add(item)
    db.session.flush()
    return item, token


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.id.desc())))


def revoke_token(user: User, token_id: int) -> None:
    item = db.session.get(ApiToken, token_id)
    if item is None or item.user_id != user.id:
        raise NotFound(_("Jeton inconnu."))
    if item.revoked_at is None:
        item.revoked_at = utcnow()
    db.session.flush()


def revoke_all(user: User) -> None:
    """Revoke every active token of the user."""
    for item in db.session.scalars(select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        item.revoked_at = utcnow()
    db.session.flush()


def authenticate(token: str) -> User | None:
    """The active user behind a valid, unrevoked token; records its use."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    item = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if item is None or item.revoked_at is not None or not item.user.active:
        return None
    now = utcnow()
    if item.last_used_at is None or now - item.last_used_at > TOUCH_EVERY:
        item.last_used_at = now
        db.session.commit()
    return item.user
