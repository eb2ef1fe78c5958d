"""Entry revisions keep what each tag said (criteria ticked, "en quoi"), for the history.

Revision ID: f6a0b4c8d3e9
Revises: e5f9a3b7c2d8
Create Date: 2026-12-01 08:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f6a0b4c8d3e9'
down_revision = 'e5f9a3b7c2d8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entry_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tag_details', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('entry_revisions', schema=None) as batch_op:
        batch_op.drop_column('tag_details')
