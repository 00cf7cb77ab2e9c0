"""Statement timing listens on the Engine class; a failure before any connection still counts."""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa

from scholarlink.observability import metrics
from scholarlink.observability.live_stats import LIVE


def test_every_engine_is_timed_without_being_instrumented() -> None:
    before = LIVE.db.total
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    assert LIVE.db.total == before + 1


def test_a_failure_without_connection_or_engine_is_counted_not_raised() -> None:
    before = LIVE.db.total
    metrics._error(SimpleNamespace(connection=None, engine=None))
    assert LIVE.db.total == before + 1
    assert LIVE.db.samples()[-1].failed
