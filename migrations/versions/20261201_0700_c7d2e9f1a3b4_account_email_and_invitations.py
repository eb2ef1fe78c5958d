"""Accounts: the address an admin proposes (confirmed by the person), the last invitation sent.

Revision ID: c7d2e9f1a3b4
Revises: b3f1c2d4e5a6
Create Date: 2026-12-01 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c7d2e9f1a3b4'
down_revision = 'b3f1c2d4e5a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pending_email', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('pending_email')
        batch_op.drop_column('invited_at')
