"""Held uploads: files sent with the editor before the entry is saved, kept for its next
submission.

Revision ID: d4e8f2a6b9c1
Revises: c7d2e9f1a3b4
Create Date: 2026-12-01 07:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd4e8f2a6b9c1'
down_revision = 'c7d2e9f1a3b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('held_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_held_uploads_learner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_uploads')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_held_uploads_stored_name'))
    )
    with op.batch_alter_table('held_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_uploads_learner_id'), ['learner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('held_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_uploads_learner_id'))
    op.drop_table('held_uploads')
