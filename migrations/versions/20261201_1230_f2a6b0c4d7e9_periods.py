"""The alternance calendar: each cohort's periods at school and in the company.

Revision ID: f2a6b0c4d7e9
Revises: e1f5a9b3c6d8
Create Date: 2026-12-01 12:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f2a6b0c4d7e9'
down_revision = 'e1f5a9b3c6d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'periods',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('ecole', 'entreprise')", name=op.f('ck_periods_kind')),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_periods_dates')),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'],
                                name=op.f('fk_periods_cohort_id_cohorts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_periods')),
    )
    with op.batch_alter_table('periods', schema=None) as batch_op:
        batch_op.create_index('ix_periods_cohort_start', ['cohort_id', 'starts_on'],
                              unique=False)


def downgrade():
    op.drop_table('periods')
