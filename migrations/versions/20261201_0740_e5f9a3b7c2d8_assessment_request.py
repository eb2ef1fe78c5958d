"""Assessments: the feedback request whose answer set a referent's level.

Revision ID: e5f9a3b7c2d8
Revises: d4e8f2a6b9c1
Create Date: 2026-12-01 07:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5f9a3b7c2d8'
down_revision = 'd4e8f2a6b9c1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assessments_request_id'), ['request_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assessments_request_id_feedback_requests'), 'feedback_requests', ['request_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assessments_request_id_feedback_requests'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assessments_request_id'))
        batch_op.drop_column('request_id')
