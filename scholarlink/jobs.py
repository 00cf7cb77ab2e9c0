"""Scheduled jobs of the student app (APScheduler), each run by one process at a time: the alert
pass (new matches, watchlist, reminders, digests, then the mail outbox)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scholarlink.core import leases
from scholarlink.core.clock import utcnow
from scholarlink.core.db import session_scope
from scholarlink.services import notify

log = logging.getLogger(__name__)
REMINDER_INTERVAL_MINUTES = 60


def run_reminders(owner: str) -> dict[str, object] | None:
    """One alert pass (services.notify.run_pass), if this process holds the lease."""
    with session_scope() as session:
        if not leases.acquire(
            session, "reminders", owner, ttl_seconds=REMINDER_INTERVAL_MINUTES * 60 / 2
        ):
            return None
    report = notify.run_pass().as_dict()
    if report["newMatches"] or report["reminders"] or report["mailsQueued"] or report["mail"]:
        log.info("notify pass", extra={"notify": report})
    return report


@contextlib.asynccontextmanager
async def jobs_lifespan() -> AsyncIterator[None]:
    owner = leases.owner_name()
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
        next_run_time=utcnow(),
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
