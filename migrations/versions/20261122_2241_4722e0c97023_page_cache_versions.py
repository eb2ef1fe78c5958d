"""Versions for the page cache: one per person (users.data_version) and the site's.

Revision ID: 4722e0c97023
Revises: 546f74de1377
Create Date: 2026-11-22 22:41:20.236300

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4722e0c97023'
down_revision = '546f74de1377'
branch_labels = None
depends_on = None


def upgrade():
    site_version = op.create_table('site_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_version'))
    )
    # A random start: cached pages of another database never match this one's.
    op.bulk_insert(site_version, [{'id': 1, 'value': secrets.randbits(48)}])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_version', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('data_version')

    op.drop_table('site_version')
