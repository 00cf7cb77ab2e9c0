"""Alembic, driven from Python: apply migrations and tell whether the schema is at head."""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from alembic import command
from scholarlink.core.db import get_engine
from scholarlink.core.settings import PROJECT_ROOT


def alembic_config() -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.attributes["configure_logger"] = False
    return cfg


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine | None = None) -> frozenset[str]:
    with (engine or get_engine()).connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())


def is_at_head(engine: Engine | None = None) -> bool:
    return current_revisions(engine) == head_revisions()


def upgrade_to_head(engine: Engine | None = None) -> None:
    """Migrate to head in one transaction. On PostgreSQL, processes that start together (the web
    and agent pods of one rollout each run `scholarlink migrate`) take turns on an advisory lock:
    the first migrates, the others then find the database at head and do nothing."""
    cfg = alembic_config()
    with (engine or get_engine()).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('scholarlink-migrate'))"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
