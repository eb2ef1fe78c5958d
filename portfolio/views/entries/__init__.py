"""Writing and reading entries: timeline, editor (with preview, tags, drafts), reading and
history, files. One blueprint, a module per concern."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("entries", __name__)

from portfolio.views.entries import editor, files, reading, timeline  # noqa: E402, F401
