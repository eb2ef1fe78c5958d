"""Where the app's own files are: inside the installed package, or in the source tree.

A built wheel carries `templates/`, `static/` and `migrations/` inside the package (setup.py
maps them there); a source checkout (and its editable install) keeps them at the top level.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The folder `name` of the installed package if it has one, else the source tree's."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name
