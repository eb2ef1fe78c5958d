"""Evidence files, to whoever may read their entry."""

from __future__ import annotations

from flask import abort
from flask_login import current_user, login_required

from portfolio import storage
from portfolio.db import db
from portfolio.models import Attachment
from portfolio.permissions import can_read_entry
from portfolio.views.entries import bp


@bp.get("/attachments/<id:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """An evidence file, to whoever may read its entry; never run by the browser."""
    item = db.session.get(Attachment, attachment_id)
    if item is None or not can_read_entry(current_user, item.entry):
        abort(404)
    return storage.send_attachment(item)
