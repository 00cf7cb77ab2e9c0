"""agent intake: index the rate limit's window query

Revision ID: 0009_agent_intake_index
Revises: 0007_organisations
Create Date: 2026-12-01 11:40:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0009_agent_intake_index'
down_revision: str | None = '0007_organisations'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # POST /agent/task counts the caller's tasks of the last minute on every intake; without
    # this index that count read every task ever kept.
    with op.batch_alter_table('agent_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_agent_tasks_caller_created', ['caller', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agent_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_tasks_caller_created')
