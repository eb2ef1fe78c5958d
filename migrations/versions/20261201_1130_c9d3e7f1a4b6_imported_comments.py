"""Comments imported from another portfolio: the author as written there, and private ones.

Revision ID: c9d3e7f1a4b6
Revises: b8c2d6e0f3a5
Create Date: 2026-12-01 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c9d3e7f1a4b6'
down_revision = 'b8c2d6e0f3a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_author', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('private', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('private')
        batch_op.drop_column('imported_author')
