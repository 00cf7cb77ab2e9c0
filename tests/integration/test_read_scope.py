"""Reads without a transaction of their own (core.db.read_scope / read_use_case), both
databases: they see what is committed, never what is not, and on SQLite they do not queue
behind a writer's lock."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from scholarlink.core.db import read_scope, read_use_case, session_scope
from scholarlink.models import User
from tests.support import accounts


@read_use_case
def _names(session: Session) -> list[str]:
    return sorted(u.email for u in session.exec(select(User)))


def test_reads_see_committed_rows_and_join_a_callers_transaction(db: str) -> None:
    accounts.student("first@example.org")
    assert "first@example.org" in _names()
    with session_scope() as s:
        s.add(User(email="pending@example.org", display_name="Pending", password_hash="x"))
        s.flush()
        # Handed the caller's session, the reader reads within that transaction...
        assert "pending@example.org" in _names(s)
        # ...and on its own it sees only what is committed.
        assert "pending@example.org" not in _names()
    assert "pending@example.org" in _names()


def test_a_reader_has_no_transaction_of_its_own(db: str) -> None:
    if db.startswith("sqlite"):
        with read_scope() as s:
            raw = s.connection().connection.dbapi_connection
            s.exec(select(User)).all()
            assert raw is not None and not raw.in_transaction
        return
    with read_scope() as s:
        s.execute(sa.text("SELECT pg_sleep(0.02)"))
        # In autocommit every statement is its own transaction: they start together.
        same = s.execute(sa.text("SELECT transaction_timestamp() = statement_timestamp()"))
        assert same.scalar_one() is True
    with session_scope() as s:
        s.execute(sa.text("SELECT pg_sleep(0.02)"))
        same = s.execute(sa.text("SELECT transaction_timestamp() = statement_timestamp()"))
        assert same.scalar_one() is False


def test_a_reader_does_not_wait_for_a_writer(db: str) -> None:
    accounts.student("first@example.org")
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with session_scope() as s:
            s.add(User(email="writer@example.org", display_name="W", password_hash="x"))
            s.flush()  # the write lock is held (SQLite: since BEGIN IMMEDIATE)
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        names = _names()
        waited = time.monotonic() - started
    finally:
        release.set()
        thread.join(30)
    assert "first@example.org" in names and "writer@example.org" not in names
    # A reader that had to take the lock would have waited for the writer (released only after
    # this read returned), so it could not have finished first.
    assert waited < 30
    assert "writer@example.org" in _names()


@pytest.mark.parametrize("statement", ["INSERT", "UPDATE"])
def test_a_write_left_in_a_reader_is_kept(db: str, statement: str) -> None:
    uid = accounts.student("first@example.org").user_id
    with read_scope() as s:
        if statement == "INSERT":
            s.add(User(email="second@example.org", display_name="S", password_hash="x"))
        else:
            row = s.get(User, uid)
            assert row is not None
            row.display_name = "Renamed"
            s.add(row)
    with session_scope() as s:
        found = {u.email: u.display_name for u in s.exec(select(User))}
    assert (
        "second@example.org" in found
        if statement == "INSERT"
        else found["first@example.org"] == "Renamed"
    )


def test_whoami_reads_without_a_transaction_and_still_keeps_last_seen(db: str) -> None:
    from datetime import timedelta

    from scholarlink.core.clock import utcnow
    from scholarlink.models import UserSession
    from scholarlink.services import auth

    grant = accounts.student("seen@example.org")
    key = auth.session_key(grant.token)
    long_ago = utcnow() - timedelta(minutes=30)
    with session_scope() as s:
        row = s.exec(select(UserSession).where(UserSession.token_hash == key)).one()
        row.last_seen_at = long_ago
        s.add(row)
    me = auth.whoami(key=key)
    assert me is not None and me.user_id == grant.user_id
    with session_scope() as s:
        row = s.exec(select(UserSession).where(UserSession.token_hash == key)).one()
        assert row.last_seen_at > long_ago + timedelta(minutes=25)
    # A revoked session is refused by the same read.
    auth.sign_out(key=key)
    assert auth.whoami(key=key) is None
