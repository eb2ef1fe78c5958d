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


_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def parse_int(value: str | None, max_digits: int = 9) -> int | None:
    """A whole number from a form, an address or a token: ASCII digits only (Python's
    `isdigit()` and `\\d` also take "²" and "٣", which `int()` then refuses or reads), at most
    `max_digits` of them (ids stay within the database's integers); None for anything else."""
    if value is None or not 0 < len(value) <= max_digits or not _DIGITS.fullmatch(value):
        return None
    return int(value)


def parse_ints(values, max_digits: int = 9) -> list[int]:
    """The whole numbers among `values` (see parse_int), in their order; the rest dropped."""
    return [n for n in (parse_int(v, max_digits) for v in values) if n is not None]
