"""Credits (1 credit = 1000 millicredits = $0.001), purchases, prices and AI usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from scholarlink.models.base import json_dict, now_field


class CreditAccount(SQLModel, table=True):
    """One balance per user; updated with a guarded UPDATE so it can never go negative."""

    __tablename__ = "credit_accounts"
    __table_args__ = (
        sa.CheckConstraint("balance_millicredits >= 0", name="ck_credit_balance_non_negative"),
    )

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    balance_millicredits: int = Field(default=0, sa_type=sa.BigInteger)
    updated_at: datetime = now_field()


class CreditEntry(SQLModel, table=True):
    """Append-only ledger: every change to a balance, what caused it, and the balance after."""

    __tablename__ = "credit_entries"
    __table_args__ = (
        sa.CheckConstraint("balance_after >= 0", name="ck_credit_entry_balance_after"),
        sa.Index("ix_credit_entries_user_id_id", "user_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No cascade: the ledger outlives an account deletion (the user row is anonymised instead).
    user_id: int = Field(foreign_key="users.id")
    amount_millicredits: int = Field(sa_type=sa.BigInteger)
    balance_after: int = Field(sa_type=sa.BigInteger)
    kind: str = Field(max_length=20)  # purchase | charge | refund | grant
    # What caused it, unique so a retried cause never books twice ("ai:<op id>", "purchase:<id>").
    reference: str = Field(max_length=200, unique=True)
    description: str = Field(default="", max_length=300)
    created_at: datetime = now_field()


class Purchase(SQLModel, table=True):
    __tablename__ = "purchases"
    __table_args__ = (
        sa.CheckConstraint("amount_cents > 0", name="ck_purchase_amount"),
        sa.CheckConstraint("credits > 0", name="ck_purchase_credits"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    package: str = Field(max_length=40)
    amount_cents: int
    credits: int
    status: str = Field(default="pending", max_length=20)  # pending|paid|refunded|canceled
    stripe_session_id: str | None = Field(default=None, max_length=255, unique=True)
    stripe_payment_intent: str | None = Field(default=None, max_length=255, index=True)
    test_mode: bool = False
    created_at: datetime = now_field()
    paid_at: datetime | None = None


class RateCard(SQLModel, table=True):
    """Prices in millicredits per 1k tokens of a model (work that calls no model is free)."""

    __tablename__ = "rate_card"
    __table_args__ = (sa.CheckConstraint("millicredits >= 0", name="ck_rate_card_price"),)

    key: str = Field(primary_key=True, max_length=120)
    millicredits: int = Field(sa_type=sa.BigInteger)
    description: str = Field(default="", max_length=300)
    updated_at: datetime = now_field()


class AIUsage(SQLModel, table=True):
    """One AI operation: its result and its charge are recorded together, once per operation id."""

    __tablename__ = "ai_usage"
    __table_args__ = (
        sa.CheckConstraint("cost_millicredits >= 0", name="ck_ai_usage_cost"),
        sa.Index("ix_ai_usage_user_created", "user_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operation_id: str = Field(max_length=200, unique=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    operation: str = Field(max_length=40)
    provider: str = Field(max_length=40)
    model: str | None = Field(default=None, max_length=80)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_millicredits: int = Field(default=0, sa_type=sa.BigInteger)
    duration_ms: int = 0
    result: dict[str, Any] = json_dict()
    created_at: datetime = now_field()
