"""Evidence files on disk: written before the commit, removed if it fails; deleted after it.

Files live under UPLOAD_FOLDER with random names, outside static/. A request that fails
leaves no new file behind; a deleted entry's files go only once the deletion is committed.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event

from portfolio.db import db


def root() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored_name: str) -> Path:
    """The file of a stored name (always ours: 32 hex characters, never a user's string)."""
    if len(stored_name) != 32 or not all(c in "0123456789abcdef" for c in stored_name):
        raise ValueError("not a stored name")
    return root() / stored_name


def temporary_file():
    """A temporary file in the upload folder (same filesystem: the final rename is atomic)."""
    return tempfile.NamedTemporaryFile(dir=root(), prefix=".upload-", delete=False)


def keep(temp_path: str) -> str:
    """Move a complete temporary file into place under a new random name; return the name."""
    name = secrets.token_hex(16)
    with open(temp_path, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temp_path, root() / name)
    db.session.info.setdefault("new_files", []).append(name)
    return name


def send_attachment(item, *, as_attachment: bool | None = None):
    """An evidence file, answered once the caller checked its reader may read it: sent as a
    download unless it is safe to show (`item.inline`), never run by the browser (sandbox,
    nosniff), never kept by a cache. The one way the app serves a stored file."""
    from flask import send_file

    response = send_file(path_of(item.stored_name), mimetype=item.content_type,
                         as_attachment=not item.inline if as_attachment is None else as_attachment,
                         download_name=item.name, conditional=True, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def delete_after_commit(stored_name: str) -> None:
    db.session.info.setdefault("deleted_files", []).append(stored_name)


def _unlink(names: list[str]) -> None:
    for name in names:
        try:
            path_of(name).unlink(missing_ok=True)
        except (ValueError, OSError):
            pass


@event.listens_for(db.session, "after_commit")
def _committed(session) -> None:
    session.info.pop("new_files", None)
    _unlink(session.info.pop("deleted_files", []))


@event.listens_for(db.session, "after_rollback")
def _rolled_back(session) -> None:
    session.info.pop("deleted_files", None)
    _unlink(session.info.pop("new_files", []))


def init_app(app: Flask) -> None:
    app.config.setdefault("UPLOAD_FOLDER", str(Path(app.instance_path) / "uploads"))

    @app.teardown_appcontext
    def _discard_uncommitted(_exc) -> None:
        # A request that ended without committing keeps none of the files it wrote.
        if not db.session.registry.has():  # (it never opened a session: it wrote none)
            return
        info = db.session.info
        _unlink(info.pop("new_files", []))
        info.pop("deleted_files", None)
