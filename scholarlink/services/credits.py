"""The credit ledger (1 credit = 1,000 millicredits = $0.001) and exactly-once charging.

Balances change only through `post_entry`, which moves the balance with one guarded UPDATE
(`… WHERE balance + amount >= 0`), so concurrent charges can never drive it negative, and books
an append-only entry with the balance after it. Every entry has a unique `reference` naming its
cause, so a retried cause never books twice.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scholarlink.ai.types import Usage
from scholarlink.core.clock import utcnow
from scholarlink.core.db import read_use_case, session_scope, use_case
from scholarlink.core.errors import InsufficientCredits, ValidationFailed
from scholarlink.models import AIUsage, CreditAccount, CreditEntry, RateCard
from scholarlink.observability.metrics import AI_COST, AI_DURATION, AI_OPERATIONS, AI_TOKENS

MILLI = 1000

# Default prices in millicredits. Credits pay for model calls only, per 1k tokens at 4x OpenAI's
# list price; work that calls no model (ranking, the offline essay assistant, spelling) is free
# and has no price here. A model missing from the card (a local server's) is priced as
# FALLBACK_MODEL until an operator adds its own `openai:<model>:input|output` rows.
DEFAULT_RATE_CARD: dict[str, tuple[int, str]] = {
    "openai:gpt-4o-mini:input": (600, "4x $0.15 per 1M input tokens, per 1k tokens"),
    "openai:gpt-4o-mini:output": (2_400, "4x $0.60 per 1M output tokens, per 1k tokens"),
    "openai:gpt-4o:input": (10_000, "4x $2.50 per 1M input tokens, per 1k tokens"),
    "openai:gpt-4o:output": (40_000, "4x $10 per 1M output tokens, per 1k tokens"),
}
# An OpenAI operation with a model missing from the rate card is priced as gpt-4o.
FALLBACK_MODEL = "gpt-4o"


def credits(millicredits: int) -> str:
    """Human form: 9,990 credits (fractions shown when present)."""
    whole, frac = divmod(millicredits, MILLI)
    return f"{whole:,}" if not frac else f"{millicredits / MILLI:,.3f}".rstrip("0")


def balance(session: Session, user_id: int) -> int:
    account = session.get(CreditAccount, user_id)
    return account.balance_millicredits if account else 0


@read_use_case
def current_balance(session: Session, *, user_id: int) -> int:
    """The student's balance in millicredits."""
    return balance(session, user_id)


def _ensure_account(session: Session, user_id: int) -> None:
    if session.get(CreditAccount, user_id) is None:
        try:
            with session.begin_nested():
                session.add(CreditAccount(user_id=user_id, balance_millicredits=0))
        except IntegrityError:
            pass  # created concurrently


def entry_for(session: Session, reference: str) -> CreditEntry | None:
    return session.exec(select(CreditEntry).where(CreditEntry.reference == reference)).first()


def post_entry(
    session: Session,
    *,
    user_id: int,
    amount: int,
    kind: str,
    reference: str,
    description: str = "",
) -> CreditEntry:
    """Book `amount` millicredits (negative = charge) once per `reference`.

    Raises InsufficientCredits (and changes nothing) when a charge would go below zero.
    The caller's transaction commits the balance and the entry together.
    """
    if kind not in ("purchase", "charge", "refund", "grant", "reversal"):
        raise ValidationFailed(f"unknown ledger entry kind {kind!r}")
    existing = entry_for(session, reference)
    if existing is not None:
        return existing
    _ensure_account(session, user_id)
    table = CreditAccount.__table__  # type: ignore[attr-defined]
    new_balance = session.execute(
        sa.update(table)
        .where(table.c.user_id == user_id, table.c.balance_millicredits + amount >= 0)
        .values(balance_millicredits=table.c.balance_millicredits + amount, updated_at=utcnow())
        .returning(table.c.balance_millicredits)
    ).scalar_one_or_none()
    if new_balance is None:
        have = balance(session, user_id)
        raise InsufficientCredits(
            f"This needs {credits(-amount)} credits; your balance is {credits(have)}.",
            details={"required": -amount, "balance": have},
        )
    entry = CreditEntry(
        user_id=user_id,
        amount_millicredits=amount,
        balance_after=new_balance,
        kind=kind,
        reference=reference,
        description=description[:300],
    )
    session.add(entry)
    session.flush()
    return entry


def ledger(session: Session, user_id: int, *, limit: int = 100) -> list[CreditEntry]:
    return list(
        session.exec(
            select(CreditEntry)
            .where(CreditEntry.user_id == user_id)
            .order_by(col(CreditEntry.id).desc())
            .limit(limit)
        )
    )


class CreditEntryPublic(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    amount_millicredits: int
    balance_after: int
    kind: str
    description: str
    created_at: datetime


class StatementPublic(BaseModel):
    """A student's balance and their latest ledger entries, newest first."""

    model_config = ConfigDict(frozen=True)

    balance_millicredits: int
    entries: list[CreditEntryPublic]


@use_case
def statement(session: Session, *, user_id: int, limit: int = 100) -> StatementPublic:
    return StatementPublic(
        balance_millicredits=balance(session, user_id),
        entries=[
            CreditEntryPublic.model_validate(e) for e in ledger(session, user_id, limit=limit)
        ],
    )


# -- prices -----------------------------------------------------------------------------------


def seed_rate_card(session: Session) -> int:
    """Insert default prices that are missing (operators may have changed the others)."""
    present = set(session.exec(select(RateCard.key)))
    added = 0
    for key, (price, description) in DEFAULT_RATE_CARD.items():
        if key not in present:
            session.add(RateCard(key=key, millicredits=price, description=description))
            added += 1
    session.flush()
    return added


def _rate(session: Session, key: str) -> int | None:
    row = session.get(RateCard, key)
    if row is not None:
        return row.millicredits
    default = DEFAULT_RATE_CARD.get(key)
    return default[0] if default else None


@use_case
def token_price(session: Session, *, model: str, input_tokens: int, output_tokens: int) -> int:
    rate_in = _rate(session, f"openai:{model}:input")
    rate_out = _rate(session, f"openai:{model}:output")
    if rate_in is None or rate_out is None:
        rate_in = _rate(session, f"openai:{FALLBACK_MODEL}:input") or 0
        rate_out = _rate(session, f"openai:{FALLBACK_MODEL}:output") or 0
    # Round up: a fraction of a millicredit is still charged as one.
    return -(-(input_tokens * rate_in + output_tokens * rate_out) // 1000)


@dataclass(frozen=True)
class ModelPrice:
    """A model's price in millicredits per 1,000 tokens."""

    model: str
    input_per_1k: int
    output_per_1k: int


@use_case
def model_prices(session: Session) -> list[ModelPrice]:
    """Every model on the rate card (the operator's rows over the defaults), by model name."""
    keys = set(session.exec(select(RateCard.key))) | set(DEFAULT_RATE_CARD)
    models = sorted(
        {k.split(":")[1] for k in keys if k.startswith("openai:") and k.count(":") == 2}
    )
    return [
        ModelPrice(
            m,
            _rate(session, f"openai:{m}:input") or 0,
            _rate(session, f"openai:{m}:output") or 0,
        )
        for m in models
    ]


# -- exactly-once AI operations ----------------------------------------------------------------

T = TypeVar("T")


# A monotonic deadline for the operation running in this context (agent tasks set it from
# `resources.timeout_ms`): work that finishes after it is discarded and never charged.
operation_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "operation_deadline", default=None
)


class DeadlineExceeded(TimeoutError):
    """The operation finished after its deadline; its result was discarded, nothing charged."""


@dataclass
class ChargedResult:
    result: dict[str, Any]
    cost: int
    replayed: bool
    balance_after: int | None


def run_charged_operation(
    *,
    operation_id: str,
    user_id: int | None,
    operation: str,
    estimate: int,
    work: Callable[[], tuple[dict[str, Any], Usage]],
    price: Callable[[Session, Usage], int],
) -> ChargedResult:
    """Run an AI operation whose result and charge are recorded together, once per operation id.

    1. A recorded operation id returns its stored result: a retry never charges twice.
    2. A balance below `estimate` is refused before any work.
    3. The work runs outside any transaction (it may be slow); if it fails, nothing is charged.
    4. Result and charge are committed in one transaction.
    """
    with session_scope() as session:
        done = session.exec(select(AIUsage).where(AIUsage.operation_id == operation_id)).first()
        if done is not None:
            return ChargedResult(done.result, done.cost_millicredits, True, None)
        if user_id is not None and estimate > 0 and balance(session, user_id) < estimate:
            have = balance(session, user_id)
            raise InsufficientCredits(
                f"This needs {credits(estimate)} credits; your balance is {credits(have)}.",
                details={"required": estimate, "balance": have},
            )
    started = time.perf_counter()
    try:
        result, usage = work()
    except Exception:
        AI_OPERATIONS.labels(operation, "unknown", "error").inc()
        raise
    duration = time.perf_counter() - started
    deadline = operation_deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise DeadlineExceeded(f"{operation} finished after its deadline; nothing was charged")
    AI_DURATION.labels(operation, usage.provider).observe(duration)
    AI_TOKENS.labels(usage.provider, "input").inc(usage.input_tokens)
    AI_TOKENS.labels(usage.provider, "output").inc(usage.output_tokens)
    try:
        with session_scope() as session:
            cost = price(session, usage)
            balance_after = None
            if user_id is not None and cost > 0:
                entry = post_entry(
                    session,
                    user_id=user_id,
                    amount=-cost,
                    kind="charge",
                    reference=f"ai:{operation_id}",
                    description=f"{operation} ({usage.provider})",
                )
                balance_after = entry.balance_after
            session.add(
                AIUsage(
                    operation_id=operation_id,
                    user_id=user_id,
                    operation=operation,
                    provider=usage.provider,
                    model=usage.model,
                    input_tokens=usage.input_tokens,
                    output_tokens=usage.output_tokens,
                    cost_millicredits=cost,
                    duration_ms=round(duration * 1000),
                    result=result,
                )
            )
            session.flush()
    except IntegrityError:
        # The same operation id finished concurrently: its record (and charge) stands.
        with session_scope() as session:
            done = session.exec(select(AIUsage).where(AIUsage.operation_id == operation_id)).one()
            return ChargedResult(done.result, done.cost_millicredits, True, None)
    AI_OPERATIONS.labels(operation, usage.provider, "ok").inc()
    AI_COST.labels(operation).inc(cost / MILLI)
    return ChargedResult(result, cost, False, balance_after)
