"""Account-less maîtres d'apprentissage: users.link_only and company; links under /r/ and
their accesses.

Revision ID: e1f5a9b3c6d8
Revises: d0e4f8a2b5c7
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e1f5a9b3c6d8'
down_revision = 'd0e4f8a2b5c7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_only', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('company', sa.String(length=200), nullable=True))
    op.create_table(
        'referent_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('referent_id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['learner_id'], ['users.id'],
                                name=op.f('fk_referent_links_learner_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['referent_id'], ['users.id'],
                                name=op.f('fk_referent_links_referent_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referent_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_referent_links_token_hash')),
    )
    with op.batch_alter_table('referent_links', schema=None) as batch_op:
        batch_op.create_index('ix_referent_links_object', ['kind', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referent_links_learner_id'), ['learner_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_referent_links_referent_id'), ['referent_id'],
                              unique=False)
    op.create_table(
        'referent_link_accesses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referent_link_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('client', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['referent_link_id'], ['referent_links.id'],
                                name=op.f('fk_referent_link_accesses_referent_link_id_referent_links'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referent_link_accesses')),
    )
    with op.batch_alter_table('referent_link_accesses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referent_link_accesses_referent_link_id'),
                              ['referent_link_id'], unique=False)


def downgrade():
    op.drop_table('referent_link_accesses')
    op.drop_table('referent_links')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('company')
        batch_op.drop_column('link_only')
