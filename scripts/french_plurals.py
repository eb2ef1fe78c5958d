"""Fill the French catalogue's plural forms from the French source strings.

French is the source language: its singular messages need no translation, but ngettext()
needs the catalogue's plural rule, else gettext falls back to the English one and writes
"0 entrées" where French says "0 entrée". Run by `make extract-messages`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parents[1] / "portfolio/translations/fr/LC_MESSAGES/messages.po"


def fill(path: Path = CATALOG) -> int:
    with path.open("rb") as source:
        catalog = read_po(source)
    filled = 0
    for message in catalog:
        if isinstance(message.id, tuple):
            singular, plural = message.id
            wanted = (singular,) + (plural,) * (catalog.num_plurals - 1)
            if tuple(message.string) != wanted:
                message.string, filled = wanted, filled + 1
            message.flags.discard("fuzzy")
    with path.open("wb") as target:
        write_po(target, catalog, width=76)
    return filled


if __name__ == "__main__":
    print(f"{fill(Path(sys.argv[1]) if len(sys.argv) > 1 else CATALOG)} plural forms filled")
