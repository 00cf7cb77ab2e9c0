"""Pooled PostgreSQL connections the server ended are replaced at checkout (core.db), without a
ping round trip on every checkout: a use case right after the server dropped every idle
connection of the pool still works, and a healthy checkout sends nothing before its own
statements."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from scholarlink.core.db import get_engine, read_use_case, use_case
from scholarlink.models import User
from tests.conftest import PG_ADMIN_URL
from tests.support import accounts


@read_use_case
def _emails(session: Session) -> list[str]:
    return sorted(u.email for u in session.exec(select(User)))


@use_case
def _rename(session: Session, *, email: str, name: str) -> None:
    user = session.exec(select(User).where(User.email == email)).one()
    user.display_name = name


def _end_pooled_sessions(database: str) -> int:
    """What a PostgreSQL restart or an idle timeout does to the pool: the server ends every
    session of the database (each is told so and its socket closed)."""
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            ended = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": database},
            ).scalar_one()
            # pg_terminate_backend only signals: wait until those sessions are gone.
            for _ in range(100):
                left = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = :d AND pid <> pg_backend_pid()"
                    ),
                    {"d": database},
                ).scalar_one()
                if not left:
                    break
                time.sleep(0.05)
    finally:
        admin.dispose()
    return int(ended)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_connections_the_server_ended_are_replaced_at_checkout(db: str) -> None:
    accounts.student("pooled@example.org")
    engine = get_engine()
    # Several connections in the pool, all idle.
    conns = [engine.connect() for _ in range(3)]
    for conn in conns:
        conn.execute(sa.text("SELECT 1"))
    for conn in conns:
        conn.close()
    assert engine.pool.checkedin() >= 3
    assert _end_pooled_sessions(sa.engine.make_url(db).database or "") >= 3
    # Each next use case takes a pooled connection the server has ended; none fails.
    for i in range(5):
        assert "pooled@example.org" in _emails()
        _rename(email="pooled@example.org", name=f"Pooled {i}")
    assert engine.pool.checkedin() >= 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_checkout_sends_no_ping(db: str) -> None:
    engine = get_engine()
    _emails()  # a connection in the pool
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    raw_pings: list[object] = []
    sa.event.listen(engine, "before_cursor_execute", record)
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda dbapi_connection: raw_pings.append(dbapi_connection) or True  # type: ignore[method-assign]
    try:
        _emails()
    finally:
        engine.dialect.do_ping = original  # type: ignore[method-assign]
        sa.event.remove(engine, "before_cursor_execute", record)
    assert raw_pings == []
    assert len(sent) == 1 and sent[0].lstrip().upper().startswith("SELECT")
