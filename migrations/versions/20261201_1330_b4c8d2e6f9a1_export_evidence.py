"""The jury export may include the evidence table (compétences and criteria with their entries
and gaps): the learner's choice, saved with the selection.

Revision ID: b4c8d2e6f9a1
Revises: a3b7c1d5e8f0
Create Date: 2026-12-01 13:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b4c8d2e6f9a1'
down_revision = 'a3b7c1d5e8f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_selections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('include_evidence', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('export_selections', schema=None) as batch_op:
        batch_op.drop_column('include_evidence')
