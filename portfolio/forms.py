"""Shared form pieces: cleaned text fields and error mapping from services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field

from portfolio.services import ServiceError
from portfolio.text import clean_name, clean_text

STRIP = [clean_text]
ONE_LINE = [clean_name]


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
