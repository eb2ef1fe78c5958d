"""Entries' free keywords (Mahara's and PebblePad's tags come in as keywords).

Revision ID: b8c2d6e0f3a5
Revises: a7b1c5d9e2f4
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b8c2d6e0f3a5'
down_revision = 'a7b1c5d9e2f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'entry_keywords',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=60), nullable=False),
        sa.Column('folded', sa.String(length=60), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['entry_id'], ['entries.id'],
                                name=op.f('fk_entry_keywords_entry_id_entries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_keywords')),
        sa.UniqueConstraint('entry_id', 'folded', name=op.f('uq_entry_keywords_entry_id_folded')),
    )
    with op.batch_alter_table('entry_keywords', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entry_keywords_folded'), ['folded'], unique=False)


def downgrade():
    with op.batch_alter_table('entry_keywords', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entry_keywords_folded'))
    op.drop_table('entry_keywords')
