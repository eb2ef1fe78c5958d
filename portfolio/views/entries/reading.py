"""Reading an entry and its history."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user, login_required

from portfolio import vocabulary
from portfolio.pagecache import cached
from portfolio.permissions import get_entry_or_404
from portfolio.presenters import render_entry
from portfolio.services import entries as service
from portfolio.text import parse_int
from portfolio.views.entries import bp


@bp.get("/entries/<id:entry_id>")
@login_required
@cached
def show(entry_id: int):
    """One entry, as its reader may see it."""
    return render_entry(get_entry_or_404(entry_id, current_user))


@bp.get("/entries/<id:entry_id>/history")
@login_required
def history(entry_id: int):
    """The versions of an entry, and what changed between two of them."""
    entry = get_entry_or_404(entry_id, current_user, edit=True)
    versions = [r.version for r in entry.revisions]
    new = parse_int(request.args.get("to")) or entry.version
    old = parse_int(request.args.get("from")) or max(1, new - 1)
    old_rev, new_rev = service.revision(entry, old), service.revision(entry, new)
    if old_rev is None or new_rev is None:
        abort(404)
    return render_template("entries/history.html", entry=entry, versions=versions,
                           revisions=entry.revisions, old=old_rev, new=new_rev,
                           diff=service.diff_revisions(old_rev, new_rev),
                           field_labels=vocabulary.ENTRY_FIELDS)
