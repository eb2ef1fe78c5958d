"""Cleaning of user text: one normal form, no invisible tricks."""

from __future__ import annotations

import re
import unicodedata

# Bidirectional overrides and isolates let a name display as something else ("Trojan Source").
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
# C0 and C1 controls, except tab, newline and carriage return; and Unicode's non-characters
# (U+FDD0-U+FDEF, and U+FFFE/U+FFFF of every plane), which XML cannot hold and no text needs.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
                      + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
                                for plane in range(17)) + "]")
# What XML 1.0 cannot hold at all (a writer's last line of defence).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def forbidden_char(value: str) -> str | None:
    """The first control or non-character of the text, as "U+FFFE", else None."""
    found = _CONTROL.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def clean_text(value: str | None) -> str | None:
    """Return the text in NFC with surrounding spaces and control characters removed."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value)
    return _CONTROL.sub("", value).strip()


def nesting_depth(value: object) -> int:
    """How deep lists and dicts nest in a parsed document, counted without recursion (a
    recursive walk, or a recursive validator, fails on the very input being measured)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item)
    return deepest


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


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chromium/", "Chromium"), ("Chrome/", "Chrome"), ("CriOS/", "Chrome"),
             ("Safari/", "Safari"),
             ("curl/", "curl"), ("python-requests", "Python"), ("Wget/", "wget"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


def device_of(user_agent: str | None) -> tuple[str, str] | None:
    """What a person recognises of a User-Agent: ("Firefox", "Windows"), or None. (The order
    matters: Edge says Chrome and Safari too, Android says Linux.)"""
    if not user_agent:
        return None
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return (browser, system) if browser or system else None


# Ligatures Unicode does not decompose: "mettre en oeuvre" must find "mettre en œuvre".
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def fold(value: str) -> str:
    """Lower-case without accents or ligatures, for search that forgives "evaluer" for
    "évaluer" and "oeuvre" for "œuvre"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold().translate(LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
