"""essay tools: a per-student spelling ignore list, the word limit of an essay's prompt, and no
price for work that calls no model (the offline assistant's rate-card rows go)

Revision ID: 0006_essay_tools
Revises: 0005_sharing_letters
Create Date: 2026-12-01 11:10:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_essay_tools"
down_revision: str | None = "0005_sharing_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The offline assistant's former flat prices (millicredits), restored on downgrade.
LOCAL_PRICES = {
    "local:analyze": (500_000, "Essay analysis"),
    "local:outline": (300_000, "Essay outline"),
    "local:improve": (400_000, "Essay improvement"),
    "local:ideas": (300_000, "Essay ideas"),
    "local:tailor": (400_000, "Tailoring an essay to a new prompt"),
}


def upgrade() -> None:
    op.create_table(
        "spelling_ignores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("word", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "word", name="uq_spelling_ignore_word"),
    )
    with op.batch_alter_table("spelling_ignores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spelling_ignores_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("essays", schema=None) as batch_op:
        batch_op.add_column(sa.Column("word_limit", sa.Integer(), nullable=True))
    rate_card = sa.table("rate_card", sa.column("key", sa.String))
    op.execute(rate_card.delete().where(rate_card.c.key.in_(list(LOCAL_PRICES))))


def downgrade() -> None:
    with op.batch_alter_table("essays", schema=None) as batch_op:
        batch_op.drop_column("word_limit")
    with op.batch_alter_table("spelling_ignores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spelling_ignores_user_id"))
    op.drop_table("spelling_ignores")
    rate_card = sa.table(
        "rate_card",
        sa.column("key", sa.String),
        sa.column("millicredits", sa.Integer),
        sa.column("description", sa.String),
        sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(
        rate_card,
        [
            {"key": k, "millicredits": p, "description": d, "updated_at": datetime.now(UTC)}
            for k, (p, d) in LOCAL_PRICES.items()
        ],
    )
