"""Shared form pieces: cleaned text fields and error mapping from services."""

from __future__ import annotations

from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms import Field

from portfolio import vocabulary
from portfolio.services import ServiceError
from portfolio.text import clean_name, clean_text

STRIP = [clean_text]
ONE_LINE = [clean_name]


def confirmation(back: str):
    """A destructive form asks first. With JavaScript the dialog adds `confirmed=1`; without
    it, this answers a page with the question (vocabulary.CONFIRM), the same form to send
    again confirmed, and a way back. None once confirmed. Call it after the permission check:
    nobody is asked to confirm what they may not do."""
    if request.form.get("confirmed") == "1":
        return None
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name not in ("csrf_token", "confirmed", "password")]
    return render_template("confirm.html", question=vocabulary.CONFIRM[request.endpoint],
                           action=request.path, fields=fields, back=back,
                           password="password" in request.form)


def apply_service_error(form: FlaskForm, error: ServiceError, default_field: str | None = None):
    """Show a service's refusal next to its field (or at the top of the form)."""
    for name, message in getattr(error, "errors", {}).items():
        field = getattr(form, name, None)
        if isinstance(field, Field):
            field.errors = list(field.errors or []) + [message]
        else:
            form.form_errors.append(message)
    if getattr(error, "errors", None):
        return
    name = error.field or default_field
    field: Field | None = getattr(form, name, None) if name else None
    if field is not None and isinstance(field, Field):
        field.errors = list(field.errors or []) + [error.message]
    else:
        form.form_errors.append(error.message)
