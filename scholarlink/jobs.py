"""Scheduled jobs of the student app (APScheduler), each run by one process at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scholarlink.agent import leases
from scholarlink.agent.worker import worker_name
from scholarlink.db import session_scope
from scholarlink.services import reminders

log = logging.getLogger(__name__)
REMINDER_INTERVAL_MINUTES = 60


def run_reminders(owner: str) -> tuple[int, int]:
    """Create due reminders and send their e-mails, if this process holds the lease."""
    with session_scope() as session:
        if not leases.acquire(
            session, "reminders", owner, ttl_seconds=REMINDER_INTERVAL_MINUTES * 60 / 2
        ):
            return 0, 0
    with session_scope() as session:
        created = reminders.create_due_reminders(session, today=datetime.now(UTC).date())
    with session_scope() as session:
        sent = reminders.send_pending_emails(session)
    if created or sent:
        log.info("reminders", extra={"reminders_created": len(created), "reminders_emailed": sent})
    return len(created), sent


@contextlib.asynccontextmanager
async def jobs_lifespan() -> AsyncIterator[None]:
    owner = worker_name()
    scheduler = AsyncIOScheduler()

    async def reminders_job() -> None:
        try:
            await asyncio.to_thread(run_reminders, owner)
        except Exception:
            log.exception("reminder job failed")

    scheduler.add_job(
        reminders_job,
        "interval",
        minutes=REMINDER_INTERVAL_MINUTES,
        jitter=60,
        id="reminders",
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
