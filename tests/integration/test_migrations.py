"""Migrations build the schema from zero, and the models match them exactly (both databases)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from scholarlink.core.db import get_engine
from scholarlink.migrations import current_revisions, head_revisions, is_at_head


def test_upgrade_head_then_autogenerate_finds_no_difference(db: str) -> None:
    assert is_at_head()
    assert current_revisions() == head_revisions()
    with get_engine().connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata
        )
    assert diff == []


def test_constraints_live_in_the_database(db: str) -> None:
    import pytest
    import sqlalchemy as sa

    with get_engine().begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (public_id, display_name, is_active, is_system, created_at) VALUES ('u1', 'x', true, false, CURRENT_TIMESTAMP)"
            )
        )
    with pytest.raises(sa.exc.IntegrityError), get_engine().begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO credit_accounts (user_id, balance_millicredits, updated_at) SELECT id, -1, CURRENT_TIMESTAMP FROM users"
            )
        )
    with pytest.raises(sa.exc.IntegrityError), get_engine().begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO credit_accounts (user_id, balance_millicredits, updated_at) VALUES (999999, 0, CURRENT_TIMESTAMP)"
            )
        )


def test_processes_starting_together_migrate_one_after_the_other() -> None:
    # Pods of one rollout start at once, each running `scholarlink migrate`, on an empty
    # PostgreSQL database: every one succeeds and the schema is built once.
    import threading

    import sqlalchemy as sa

    from scholarlink.migrations import upgrade_to_head
    from tests.conftest import _create_pg_database, _drop_pg_database

    url = _create_pg_database()
    engines = [
        sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)) for _ in range(3)
    ]
    errors: list[BaseException] = []

    def migrate(engine: sa.Engine) -> None:
        try:
            upgrade_to_head(engine)
        except BaseException as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=migrate, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        assert current_revisions(engines[0]) == head_revisions()
    finally:
        for e in engines:
            e.dispose()
        _drop_pg_database(url)
