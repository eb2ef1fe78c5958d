"""The search index folds ligatures ("oeuvre" finds "œuvre"): reindex the entries that hold one.

Revision ID: a7b1c5d9e2f4
Revises: f6a0b4c8d3e9
Create Date: 2026-12-01 10:40:00

"""
import json

from alembic import op
import sqlalchemy as sa


revision = 'a7b1c5d9e2f4'
down_revision = 'f6a0b4c8d3e9'
branch_labels = None
depends_on = None

LIGATURES = ("œ", "Œ", "æ", "Æ")


def _documents(bind):
    """(id, document) of the entries whose words hold a ligature, as search.document_of."""
    from portfolio.models import REFLECTION_FIELDS

    rows = bind.execute(sa.text("SELECT id, title, context, body, reflection FROM entries"))
    for entry_id, title, context, body, reflection in rows:
        if isinstance(reflection, str):
            reflection = json.loads(reflection or "null")
        reflection = reflection or {}
        parts = [title, context or "", body or ""]
        parts += [str(reflection.get(k) or "") for k in REFLECTION_FIELDS]
        document = "\n".join(parts)
        if any(ch in document for ch in LIGATURES):
            yield entry_id, document


def _reindex():
    from portfolio.search import stems

    bind = op.get_bind()
    for entry_id, document in list(_documents(bind)):
        words = " ".join(stems(document))
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text(
                "UPDATE entry_search SET document = to_tsvector('portfolio_fr', :doc)"
                " || to_tsvector('simple', :stems) WHERE entry_id = :id"),
                {"id": entry_id, "doc": document, "stems": words})
        else:
            bind.execute(sa.text("DELETE FROM entry_fts WHERE rowid = :id"), {"id": entry_id})
            bind.execute(sa.text("INSERT INTO entry_fts (rowid, content) VALUES (:id, :doc)"),
                         {"id": entry_id, "doc": words})


def upgrade():
    _reindex()


def downgrade():
    pass  # the folded words are found by the earlier code too (a word typed with "œ" is not)
