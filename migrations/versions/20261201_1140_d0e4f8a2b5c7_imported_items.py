"""What a Leap2A import remembers (each entry's id in the file), so that it adds nothing twice.

Revision ID: d0e4f8a2b5c7
Revises: c9d3e7f1a4b6
Create Date: 2026-12-01 11:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd0e4f8a2b5c7'
down_revision = 'c9d3e7f1a4b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'imported_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.String(length=300), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['users.id'],
                                name=op.f('fk_imported_items_learner_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_items')),
        sa.UniqueConstraint('learner_id', 'source_id',
                            name=op.f('uq_imported_items_learner_id_source_id')),
    )


def downgrade():
    op.drop_table('imported_items')
