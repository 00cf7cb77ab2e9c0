"""The ledger never goes negative, never loses an entry and never charges an operation twice."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import func, select

from scholarlink.core.db import session_scope
from scholarlink.core.errors import InsufficientCredits, ValidationFailed
from scholarlink.models import AIUsage, CreditEntry, User
from scholarlink.services.credits import (
    MILLI,
    Usage,
    balance,
    ledger,
    post_entry,
    run_charged_operation,
    seed_rate_card,
    token_price,
)


def _user(email: str = "s@example.org") -> int:
    with session_scope() as s:
        u = User(email=email)
        s.add(u)
        s.flush()
        assert u.id
        return u.id


def _grant(user_id: int, credits: int, ref: str = "grant:1") -> None:
    with session_scope() as s:
        post_entry(s, user_id=user_id, amount=credits * MILLI, kind="grant", reference=ref)


def test_entries_carry_the_balance_after_and_are_idempotent(db: str) -> None:
    uid = _user()
    _grant(uid, 100)
    _grant(uid, 100)  # same reference: booked once
    with session_scope() as s:
        post_entry(s, user_id=uid, amount=-30 * MILLI, kind="charge", reference="ai:x")
        entries = ledger(s, uid)
        assert balance(s, uid) == 70 * MILLI
    assert [(e.amount_millicredits, e.balance_after) for e in entries] == [
        (-30 * MILLI, 70 * MILLI),
        (100 * MILLI, 100 * MILLI),
    ]


def test_overdraft_is_refused_and_changes_nothing(db: str) -> None:
    uid = _user()
    _grant(uid, 10)
    with (
        pytest.raises(InsufficientCredits, match="needs 11 credits; your balance is 10"),
        session_scope() as s,
    ):
        post_entry(s, user_id=uid, amount=-11 * MILLI, kind="charge", reference="ai:big")
    with session_scope() as s:
        assert balance(s, uid) == 10 * MILLI
        assert s.exec(select(func.count()).select_from(CreditEntry)).one() == 1


def test_unknown_kind_is_refused(db: str) -> None:
    uid = _user()
    with pytest.raises(ValidationFailed), session_scope() as s:
        post_entry(s, user_id=uid, amount=1, kind="gift", reference="x")


def test_hundred_concurrent_charges_never_go_negative_nor_lose_entries(db: str) -> None:
    uid = _user()
    _grant(uid, 50)

    def charge(i: int) -> bool:
        try:
            with session_scope() as s:
                post_entry(s, user_id=uid, amount=-MILLI, kind="charge", reference=f"ai:c{i}")
            return True
        except InsufficientCredits:
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(charge, range(100)))
    assert results.count(True) == 50
    with session_scope() as s:
        assert balance(s, uid) == 0
        entries = ledger(s, uid, limit=1000)
    charges = [e for e in entries if e.kind == "charge"]
    assert len(charges) == 50
    # Every balance_after from 49 down to 0 appears exactly once: no lost or doubled update.
    assert sorted(e.balance_after for e in charges) == [i * MILLI for i in range(50)]


def test_operation_runs_then_charges_once_and_replays(db: str) -> None:
    uid = _user()
    _grant(uid, 1000)
    calls = []

    def work() -> tuple[dict, Usage]:
        calls.append(1)
        return {"answer": 42}, Usage(provider="local")

    def run() -> object:
        return run_charged_operation(
            operation_id="op-1",
            user_id=uid,
            operation="analyze",
            estimate=500 * MILLI,
            work=work,
            price=lambda s, u: 500 * MILLI,
        )

    first = run()
    again = run()
    assert calls == [1]
    assert first.result == again.result == {"answer": 42}
    assert not first.replayed and again.replayed
    with session_scope() as s:
        assert balance(s, uid) == 500 * MILLI
        assert s.exec(select(func.count()).select_from(AIUsage)).one() == 1


def test_failed_operation_charges_nothing(db: str) -> None:
    uid = _user()
    _grant(uid, 1000)

    def boom() -> tuple[dict, Usage]:
        raise RuntimeError("model down")

    with pytest.raises(RuntimeError):
        run_charged_operation(
            operation_id="op-2",
            user_id=uid,
            operation="analyze",
            estimate=1,
            work=boom,
            price=lambda s, u: 500 * MILLI,
        )
    with session_scope() as s:
        assert balance(s, uid) == 1000 * MILLI
        assert s.exec(select(func.count()).select_from(AIUsage)).one() == 0


def test_insufficient_balance_refused_before_work(db: str) -> None:
    uid = _user()
    _grant(uid, 100)
    calls = []
    with pytest.raises(InsufficientCredits):
        run_charged_operation(
            operation_id="op-3",
            user_id=uid,
            operation="analyze",
            estimate=500 * MILLI,
            work=lambda: calls.append(1) or ({}, Usage(provider="local")),  # type: ignore[func-returns-value]
            price=lambda s, u: 500 * MILLI,
        )
    assert calls == []


def test_concurrent_retries_of_one_operation_charge_once(db: str) -> None:
    uid = _user()
    _grant(uid, 10_000)

    def run(_: int) -> object:
        return run_charged_operation(
            operation_id="op-same",
            user_id=uid,
            operation="analyze",
            estimate=0,
            work=lambda: ({"ok": True}, Usage(provider="local")),
            price=lambda s, u: 500 * MILLI,
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(run, range(8)))
    with session_scope() as s:
        assert balance(s, uid) == 9_500 * MILLI
        assert s.exec(select(func.count()).select_from(AIUsage)).one() == 1


def test_token_pricing_follows_the_rate_card(db: str) -> None:
    with session_scope() as s:
        assert seed_rate_card(s) > 0
        assert seed_rate_card(s) == 0
        # gpt-4o-mini: 600 mc per 1k input, 2,400 per 1k output (4x list price)
        assert token_price(s, model="gpt-4o-mini", input_tokens=1000, output_tokens=1000) == 3000
        assert token_price(s, model="gpt-4o-mini", input_tokens=1, output_tokens=0) == 1
        assert token_price(s, model="unknown-model", input_tokens=1000, output_tokens=0) == 10_000
