"""Shared fixtures: a test environment, databases on SQLite and PostgreSQL, and a guard that
fails any test that logged an ERROR."""

from __future__ import annotations

import logging
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Settings are read from the environment: pin a test environment before scholarlink is imported.
os.environ["ENVIRONMENT"] = "test"
os.environ["SECRET_KEY"] = "test-secret-key-" + "x" * 32
os.environ["LOG_JSON"] = "true"
os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
for _var in ("SHARED_SECRET", "COMMAND_CENTER_URL", "OPENAI_API_KEY", "STRIPE_SECRET_KEY"):
    os.environ.pop(_var, None)

import sqlalchemy as sa  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import scholarlink.models  # noqa: E402, F401
from scholarlink.core.db import reset_engine  # noqa: E402
from scholarlink.core.settings import reset_settings_cache  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(autouse=True)
def _fail_on_logged_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Like Reflex's own suite: a test that logged an ERROR fails, unless it expected it."""
    caplog.set_level(logging.WARNING)
    yield
    allowed = getattr(caplog, "allowed_errors", False)
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR and not allowed]
    if errors:
        pytest.fail("logged errors: " + "; ".join(f"{r.name}: {r.getMessage()}" for r in errors))


@pytest.fixture
def allow_logged_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.allowed_errors = True  # type: ignore[attr-defined]


def _create_pg_database() -> str:
    name = f"sl_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def use_database(url: str) -> None:
    """Point the app's settings and engine at `url`."""
    os.environ["DATABASE_URL"] = url
    reset_settings_cache()
    reset_engine()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database of each kind, created for this test run and dropped after it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'scholarlink.core.db'}"
        return
    url = _create_pg_database()
    try:
        yield url
    finally:
        reset_engine()
        _drop_pg_database(url)


@pytest.fixture(scope="session")
def _migrated(database_url: str) -> str:
    from scholarlink.migrations import upgrade_to_head

    use_database(database_url)
    upgrade_to_head()
    return database_url


@pytest.fixture
def db(_migrated: str) -> Iterator[str]:
    """A migrated database (SQLite and PostgreSQL), emptied after each test."""
    from scholarlink.api.catalogue import clear_catalogue_cache
    from scholarlink.services.throttle import reset_limiters

    use_database(_migrated)
    clear_catalogue_cache()
    reset_limiters()
    yield _migrated
    clear_catalogue_cache()
    from scholarlink.core.db import get_engine

    engine = get_engine()
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(sa.text(f"DELETE FROM {name}"))


@pytest.fixture(scope="session")
def catalogue_path() -> Path:
    from scholarlink.services.catalogue import DEFAULT_CATALOGUE

    return DEFAULT_CATALOGUE


# The modules that define the app's Reflex states.
UI_STATE_MODULES = ("scholarlink.scholarlink", "scholarlink.pages.", "scholarlink.state.session")


def pytest_collection_finish(session: pytest.Session) -> None:
    """A test module that imports a page or the app at collection defines the app's Reflex states
    in the runner before any e2e harness starts; the harness's own import of the app then fails
    for every e2e test ("substate class defined multiple times"). Pages are imported inside the
    tests that need them, or what they test lives in a module without state."""
    early = sorted(m for m in sys.modules if m.startswith(UI_STATE_MODULES))
    if early:
        raise pytest.UsageError(
            "imported at collection (import it inside the test instead): " + ", ".join(early)
        )
