"""The intake's rate-limit window query (POST /agent/task counts the caller's tasks of the last
minute) on PostgreSQL with many kept tasks, with and without ix_agent_tasks_caller_created.

python -m bench.ratelimit   (BENCH_RATELIMIT_TASKS: kept tasks, default 300,000)
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

import sqlalchemy as sa

from bench.load import _create_database, _drop_database, _pct

TASKS = int(os.environ.get("BENCH_RATELIMIT_TASKS", "300000"))
# Kept tasks, one a second back in time, all finished: only the last minute's count.
FILL = """
INSERT INTO agent_tasks (task_id, action, payload, body_hash, reply_to, trace_id, requested_by,
  caller, priority, timeout_ms, max_retries, attempts, status, available_at, created_at,
  updated_at)
SELECT 'kept-' || g, 'student_pilot.get_profile', '{}'::json, 'h', 'http://127.0.0.1/cb', 't',
  'bench', 'command-center', 0, 30000, 0, 1, 'succeeded', now() - make_interval(secs => g),
  now() - make_interval(secs => g), now()
FROM generate_series(1, :n) g
"""


def _timed() -> str:
    from scholarlink.agent import tasks
    from scholarlink.core.db import session_scope
    from scholarlink.models.base import utcnow

    out = []
    for _ in range(200):
        with session_scope() as s:
            started = time.perf_counter()
            tasks.accepted_in_window(s, "command-center", utcnow() - timedelta(minutes=1))
            out.append((time.perf_counter() - started) * 1000)
    return f"p50 {statistics.median(out):7.2f} ms  p99 {_pct(out, 99):7.2f} ms"


def main() -> None:
    from scholarlink.core.db import reset_engine
    from scholarlink.core.settings import reset_settings_cache
    from scholarlink.migrations import upgrade_to_head

    url = _create_database()
    engine = sa.create_engine(url)
    try:
        os.environ["DATABASE_URL"] = url
        reset_settings_cache()
        reset_engine()
        upgrade_to_head()
        with engine.begin() as conn:
            conn.execute(sa.text(FILL), {"n": TASKS})
            conn.execute(sa.text("ANALYZE agent_tasks"))
        print(f"rate-limit window query, {TASKS:,} kept tasks, with the index:    {_timed()}")
        with engine.begin() as conn:
            conn.execute(sa.text("DROP INDEX ix_agent_tasks_caller_created"))
        print(f"rate-limit window query, {TASKS:,} kept tasks, without the index: {_timed()}")
    finally:
        engine.dispose()
        reset_engine()
        _drop_database(url)


if __name__ == "__main__":
    main()
