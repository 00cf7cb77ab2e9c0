"""login tickets replace the lockout table

Revision ID: 0002_login_tickets
Revises: 0001_initial
Create Date: 2026-12-01 07:18:49.943771
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002_login_tickets'
down_revision: str | None = '0001_initial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('login_tickets',
    sa.Column('ticket_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_hash')
    )
    with op.batch_alter_table('login_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_tickets_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_tickets_user_id'), ['user_id'], unique=False)

    op.drop_table('login_throttles')


def downgrade() -> None:
    op.create_table('login_throttles',
    sa.Column('email', sa.VARCHAR(length=320), nullable=False),
    sa.Column('failures', sa.INTEGER(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('email')
    )
    with op.batch_alter_table('login_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_tickets_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_tickets_expires_at'))

    op.drop_table('login_tickets')
