"""Entries, their tags, attachments, revisions and drafts; full-text search tables.

Revision ID: 4ddaa51dc9a9
Revises: 0a4ffde1a16c
Create Date: 2026-11-22 19:22:02.105434

"""
from alembic import op
import sqlalchemy as sa

# The full-text search DDL, as it stands at this revision (copied, not imported: a migration
# must not change when the application code does).
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS entry_fts USING fts5("
    "content, tokenize = 'unicode61 remove_diacritics 2')",
]
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


# revision identifiers, used by Alembic.
revision = '4ddaa51dc9a9'
down_revision = '0a4ffde1a16c'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('context', sa.String(length=300), nullable=False),
    sa.Column('visibility', sa.String(length=12), nullable=False),
    sa.Column('reflection', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('work_placement', 'project', 'course', 'personal', 'reflection')", name=op.f('ck_entries_kind')),
    sa.CheckConstraint("visibility IN ('private', 'referents', 'jury')", name=op.f('ck_entries_visibility')),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_entries_learner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entries'))
    )
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.create_index('ix_entries_learner_occurred', ['learner_id', 'occurred_on', 'id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_attachments_entry_id_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachments_stored_name'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_entry_id'), ['entry_id'], unique=False)

    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=40), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_drafts_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_drafts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
    sa.UniqueConstraint('user_id', 'slot', name=op.f('uq_drafts_user_id_slot'))
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drafts_entry_id'), ['entry_id'], unique=False)

    op.create_table('entry_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('context', sa.String(length=300), nullable=False),
    sa.Column('visibility', sa.String(length=12), nullable=False),
    sa.Column('reflection', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_entry_revisions_entry_id_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_revisions')),
    sa.UniqueConstraint('entry_id', 'version', name=op.f('uq_entry_revisions_entry_id_version'))
    )
    op.create_table('entry_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('how', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_entry_tags_competency_id_competencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_entry_tags_entry_id_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_tags')),
    sa.UniqueConstraint('entry_id', 'competency_id', name=op.f('uq_entry_tags_entry_id_competency_id'))
    )
    with op.batch_alter_table('entry_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_tags_competency_id'), ['competency_id'], unique=False)

    op.create_table('entry_tag_criteria',
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['criteria.id'], name=op.f('fk_entry_tag_criteria_criterion_id_criteria'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['entry_tags.id'], name=op.f('fk_entry_tag_criteria_tag_id_entry_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tag_id', 'criterion_id', name=op.f('pk_entry_tag_criteria'))
    )
    with op.batch_alter_table('entry_tag_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_tag_criteria_criterion_id'), ['criterion_id'], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DDL if dialect == "sqlite" else POSTGRES_DDL:
        op.execute(statement)

def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS entry_fts")
    else:
        op.execute("DROP TABLE IF EXISTS entry_search")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS portfolio_fr")

    with op.batch_alter_table('entry_tag_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_tag_criteria_criterion_id'))

    op.drop_table('entry_tag_criteria')
    with op.batch_alter_table('entry_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_tags_competency_id'))

    op.drop_table('entry_tags')
    op.drop_table('entry_revisions')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drafts_entry_id'))

    op.drop_table('drafts')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_entry_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_index('ix_entries_learner_occurred')

    op.drop_table('entries')

