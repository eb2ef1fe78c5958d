"""Cleaning of user text: one normal form, no invisible tricks."""

from __future__ import annotations

import re
import unicodedata

# Bidirectional overrides and isolates let a name display as something else ("Trojan Source").
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
# C0 and C1 controls, except tab, newline and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str | None) -> str | None:
    """Return the text in NFC with surrounding spaces and control characters removed."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value)
    return _CONTROL.sub("", value).strip()


def clean_name(value: str | None) -> str | None:
    """Return a one-line name: NFC, no control or bidi characters, single spaces."""
    value = clean_text(value)
    if value is None:
        return None
    value = _BIDI.sub("", value)
    return " ".join(value.split())


def has_nul(value: str) -> bool:
    """Tell whether the text holds a NUL byte (PostgreSQL refuses them, SQLite keeps them)."""
    return "\x00" in value
