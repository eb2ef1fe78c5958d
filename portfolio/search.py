"""Full-text search over entries: SQLite FTS5 or PostgreSQL's French configuration.

Both fold accents and French word forms, so "evaluer" finds "évalué" and "évaluées". On SQLite
the words are stemmed here (Snowball French, then accents removed) and indexed in an FTS5 table;
on PostgreSQL a tsvector holds the `portfolio_fr` configuration's lexemes (french_stem after
unaccent) together with the same stems as SQLite's, and a word matches either.
Queries match each word as a prefix of a stem, and all words must match.
"""

from __future__ import annotations

import re

import snowballstemmer
from sqlalchemy import DDL, Integer, column, event, text
from sqlalchemy.sql.elements import ColumnElement

from portfolio.db import Base, db
from portfolio.models import REFLECTION_FIELDS, Entry
from portfolio.text import LIGATURES, fold

MAX_QUERY_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("french")

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS entry_fts USING fts5("
    "content, tokenize = 'unicode61 remove_diacritics 2')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS entry_fts"]
POSTGRES_DDL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
         IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'portfolio_fr') THEN
           CREATE TEXT SEARCH CONFIGURATION portfolio_fr (COPY = french);
           ALTER TEXT SEARCH CONFIGURATION portfolio_fr
             ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
         END IF;
       END $$""",
    "CREATE TABLE IF NOT EXISTS entry_search ("
    " entry_id INTEGER PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,"
    " document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_entry_search_document ON entry_search USING gin (document)",
]
POSTGRES_DROP = ["DROP TABLE IF EXISTS entry_search",
                 "DROP TEXT SEARCH CONFIGURATION IF EXISTS portfolio_fr"]
# Tables that live outside the ORM's metadata (migrations and drift checks skip them).
SEARCH_TABLES = ("entry_fts", "entry_search")

for statement in SQLITE_DDL:
    event.listen(Base.metadata, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in SQLITE_DROP:
    event.listen(Base.metadata, "before_drop", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_DDL:
    event.listen(Base.metadata, "after_create", DDL(statement).execute_if(dialect="postgresql"))
for statement in POSTGRES_DROP:
    event.listen(Base.metadata, "before_drop", DDL(statement).execute_if(dialect="postgresql"))


def is_search_table(name: str) -> bool:
    return name.startswith(SEARCH_TABLES)


def stems(value: str) -> list[str]:
    """French stems of the words, accents and ligatures removed: "évaluées" -> "evalu",
    "œuvre" and "oeuvre" -> "oeuvr"."""
    # Stem first, then fold accents: Snowball stems "évaluées" but not "evaluees".
    words = _WORD.findall(value.casefold().translate(LIGATURES))
    return [fold(_stemmer.stemWord(w)) for w in words]


def document_of(entry: Entry) -> str:
    reflection = entry.reflection or {}
    parts = [entry.title, entry.context or "", entry.body or ""]
    parts += [str(reflection.get(k) or "") for k in REFLECTION_FIELDS]
    parts += entry.keywords
    return "\n".join(parts)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def index_entry(entry: Entry) -> None:
    """(Re)index an entry's words; call after it is flushed."""
    document = document_of(entry)
    # Whom the index rows concern, for the page cache (portfolio/versions.py).
    mine = {"concerns": (entry.learner_id,)}
    if _dialect() == "postgresql":
        # PostgreSQL's French stemmer runs after unaccent, and Snowball does not stem "evaluees"
        # as it stems "évaluées"; so the words stemmed here (stem, then fold) are indexed beside
        # the French configuration's, and a query matches either.
        db.session.execute(text(
            "INSERT INTO entry_search (entry_id, document) "
            "VALUES (:id, to_tsvector('portfolio_fr', :doc) || to_tsvector('simple', :stems)) "
            "ON CONFLICT (entry_id) DO UPDATE SET document = EXCLUDED.document"),
            {"id": entry.id, "doc": document, "stems": " ".join(stems(document))},
            execution_options=mine)
    else:
        db.session.execute(text("DELETE FROM entry_fts WHERE rowid = :id"), {"id": entry.id},
                           execution_options=mine)
        db.session.execute(text("INSERT INTO entry_fts (rowid, content) VALUES (:id, :doc)"),
                           {"id": entry.id, "doc": " ".join(stems(document))},
                           execution_options=mine)


def unindex_entry(entry_id: int) -> None:
    """Forget an entry's words (with the entry's deletion, which says whom it concerns)."""
    nobody_more = {"concerns": ()}
    if _dialect() == "postgresql":
        db.session.execute(text("DELETE FROM entry_search WHERE entry_id = :id"),
                           {"id": entry_id}, execution_options=nobody_more)
    else:
        db.session.execute(text("DELETE FROM entry_fts WHERE rowid = :id"), {"id": entry_id},
                           execution_options=nobody_more)


def compact() -> None:
    """Rewrite SQLite's full-text index so that deleted entries' words leave it (FTS5 only marks
    them deleted until its segments merge). After a purge; PostgreSQL's rows are gone already."""
    if _dialect() != "postgresql":
        db.session.execute(text("INSERT INTO entry_fts(entry_fts) VALUES ('optimize')"),
                           execution_options={"concerns": ()})


def query_words(query: str) -> list[str]:
    """The words of a search, at most a few, only letters and digits (nothing to inject)."""
    return _WORD.findall(query)[:MAX_QUERY_WORDS]


def matches(query: str) -> ColumnElement[bool] | None:
    """A condition on Entry.id for the entries whose words match every word of the query."""
    words = query_words(query)
    if not words:
        return None
    if _dialect() == "postgresql":
        params, parts = {}, []
        for i, word in enumerate(words):
            params[f"w{i}"] = f"{word}:*"
            params[f"s{i}"] = f"{(stems(word) or ['_'])[0]}:*"
            parts.append(f"(to_tsquery('portfolio_fr', :w{i}) || to_tsquery('simple', :s{i}))")
        ids = text("SELECT entry_id AS id FROM entry_search WHERE document @@ ("
                   + " && ".join(parts) + ")").bindparams(**params)
    else:
        fts = " ".join(f'"{s}"*' for s in (stems(" ".join(words)) or ["_"]))
        ids = text("SELECT rowid AS id FROM entry_fts WHERE entry_fts MATCH :q").bindparams(q=fts)
    return Entry.id.in_(ids.columns(column("id", Integer)))
