"""The carnet de liaison: fiches de suivi, visit reports and their notes; an assessment says
which kind of referent gave it and which fiche or visit recorded it; notifications about them.

Revision ID: a3b7c1d5e8f0
Revises: f2a6b0c4d7e9
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a3b7c1d5e8f0'
down_revision = 'f2a6b0c4d7e9'
branch_labels = None
depends_on = None

STATES = ('self', 'company', 'academic', 'closed')


def upgrade():
    op.create_table(
        'period_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('missions', sa.Text(), nullable=False),
        sa.Column('learned', sa.Text(), nullable=False),
        sa.Column('competency_ids', sa.JSON(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('company_referent_id', sa.Integer(), nullable=True),
        sa.Column('savoir_etre', sa.Text(), nullable=False),
        sa.Column('missions_next', sa.Text(), nullable=False),
        sa.Column('company_comment', sa.Text(), nullable=False),
        sa.Column('attested_name', sa.String(length=120), nullable=False),
        sa.Column('attested_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('academic_referent_id', sa.Integer(), nullable=True),
        sa.Column('academic_comment', sa.Text(), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('in_export', sa.Boolean(), nullable=False),
        sa.CheckConstraint(f"state IN {STATES!r}", name=op.f('ck_period_reviews_state')),
        sa.ForeignKeyConstraint(['learner_id'], ['users.id'],
                                name=op.f('fk_period_reviews_learner_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['period_id'], ['periods.id'],
                                name=op.f('fk_period_reviews_period_id_periods'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['company_referent_id'], ['users.id'],
                                name=op.f('fk_period_reviews_company_referent_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['academic_referent_id'], ['users.id'],
                                name=op.f('fk_period_reviews_academic_referent_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_period_reviews')),
        sa.UniqueConstraint('learner_id', 'period_id',
                            name=op.f('uq_period_reviews_learner_id_period_id')),
    )
    with op.batch_alter_table('period_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_period_reviews_learner_id'), ['learner_id'],
                              unique=False)
        batch_op.create_index('ix_period_reviews_state', ['state', 'created_at'],
                              unique=False)
    op.create_table(
        'visit_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('visited_on', sa.Date(), nullable=False),
        sa.Column('people_met', sa.Text(), nullable=False),
        sa.Column('missions', sa.Text(), nullable=False),
        sa.Column('agreed', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['learner_id'], ['users.id'],
                                name=op.f('fk_visit_reports_learner_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_visit_reports_author_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_reports')),
    )
    with op.batch_alter_table('visit_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_reports_learner_id'), ['learner_id'],
                              unique=False)
    op.create_table(
        'visit_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('role', sa.String(length=12), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['visit_id'], ['visit_reports.id'],
                                name=op.f('fk_visit_notes_visit_id_visit_reports'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_visit_notes_author_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_notes')),
        sa.UniqueConstraint('visit_id', 'author_id', name=op.f('uq_visit_notes_visit_id_author_id')),
    )
    with op.batch_alter_table('visit_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_notes_visit_id'), ['visit_id'], unique=False)
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referent_kind', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('review_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('visit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assessments_review_id_period_reviews'),
                                    'period_reviews', ['review_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_assessments_visit_id_visit_reports'),
                                    'visit_reports', ['visit_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_assessments_review_id'), ['review_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_visit_id'), ['visit_id'],
                              unique=False)
    # The levels already given: the kind of the referent's assignment to that learner.
    op.execute("UPDATE assessments SET referent_kind = (SELECT a.kind FROM assignments a "
               "WHERE a.learner_id = assessments.learner_id "
               "AND a.referent_id = assessments.assessor_id) WHERE source = 'referent'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('visit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_review_id_period_reviews'),
                                    'period_reviews', ['review_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_notifications_visit_id_visit_reports'),
                                    'visit_reports', ['visit_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_visit_id_visit_reports'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notifications_review_id_period_reviews'),
                                 type_='foreignkey')
        batch_op.drop_column('visit_id')
        batch_op.drop_column('review_id')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessments_visit_id'))
        batch_op.drop_index(batch_op.f('ix_assessments_review_id'))
        batch_op.drop_constraint(batch_op.f('fk_assessments_visit_id_visit_reports'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_assessments_review_id_period_reviews'),
                                 type_='foreignkey')
        batch_op.drop_column('visit_id')
        batch_op.drop_column('review_id')
        batch_op.drop_column('referent_kind')
    op.drop_table('visit_notes')
    op.drop_table('visit_reports')
    op.drop_table('period_reviews')
