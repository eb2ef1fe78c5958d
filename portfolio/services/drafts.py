"""Drafts: what the editor holds, saved while the learner types, until the entry is saved."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, select

from portfolio.db import db, utcnow
from portfolio.models import Draft, User
from portfolio.services import ServiceError

MAX_DRAFT_CHARS = 120_000
MAX_DRAFT_FIELDS = 400


def slot_for(entry_id: int | None) -> str:
    return f"entry-{entry_id}" if entry_id else "new"


def get_draft(user: User, entry_id: int | None) -> Draft | None:
    return db.session.scalar(select(Draft).where(Draft.user_id == user.id,
                                                 Draft.slot == slot_for(entry_id)))


def save_draft(user: User, entry_id: int | None, base_version: int | None, data: dict) -> Draft:
    """Keep the editor's content; one draft per entry (and one for a new entry)."""
    data = {str(k)[:60]: str(v) for k, v in data.items() if k != "csrf_token"}
    if len(data) > MAX_DRAFT_FIELDS or sum(len(v) for v in data.values()) > MAX_DRAFT_CHARS:
        raise ServiceError(_("Le brouillon est trop long pour être enregistré."), field="body")
    draft = get_draft(user, entry_id)
    if draft is None:
        draft = Draft(user_id=user.id, slot=slot_for(entry_id), entry_id=entry_id)
        db.session.add(draft)
    draft.base_version = base_version
    draft.data = data
    draft.updated_at = utcnow()
    db.session.flush()
    return draft


def discard_draft(user: User, entry_id: int | None) -> None:
    db.session.execute(delete(Draft).where(Draft.user_id == user.id,
                                           Draft.slot == slot_for(entry_id)),
                       execution_options={"concerns": (user.id,)})
    db.session.flush()
