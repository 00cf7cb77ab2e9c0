"""What runs in the background of an agent process: the task worker with the outbox dispatcher
(where tasks run), and the APScheduler heartbeat. Started by the app's lifespan (or by
`scholarlink worker`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scholarlink.agent import heartbeat, outbox
from scholarlink.agent.worker import TaskWorker, worker_name
from scholarlink.core.settings import get_settings
from scholarlink.observability.logs import LogThrottle

log = logging.getLogger(__name__)
_throttle = LogThrottle()


@dataclass
class AgentRuntime:
    name: str = field(default_factory=worker_name)
    worker: TaskWorker | None = None
    outbox_wake: asyncio.Event = field(default_factory=asyncio.Event)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _scheduler: AsyncIOScheduler | None = None
    _client: httpx.Client | None = None

    def notify_task(self) -> None:
        if self.worker is not None:
            self.worker.wake.set()

    async def _outbox_loop(self, idle: float = 0.5) -> None:
        assert self._client is not None
        while not self._stop.is_set():
            try:
                sent = await asyncio.to_thread(outbox.deliver_due, self._client, worker=self.name)
            except Exception:
                if _throttle.ready("outbox"):
                    log.exception("outbox pass failed (repeats are silenced for 30 s)")
                sent = 0
            if not sent:
                self.outbox_wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.outbox_wake.wait(), timeout=idle)

    async def _gauge_loop(self, every: float = 10.0) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.to_thread(outbox.refresh_gauges)
            except Exception:
                if _throttle.ready("outbox-gauges"):
                    log.exception("outbox recount failed (repeats are silenced for 30 s)")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=every)

    async def _heartbeat(self) -> None:
        try:
            if await asyncio.to_thread(heartbeat.heartbeat, self.name):
                self.outbox_wake.set()
        except Exception:
            log.exception("heartbeat failed")

    async def start(self, *, run_worker: bool, run_scheduler: bool = True) -> None:
        settings = get_settings()
        if settings.bridge_mode == "disabled":
            log.info("agent bridge disabled: SHARED_SECRET is not set")
            return
        self._client = httpx.Client(follow_redirects=False)
        if run_worker:
            loop = asyncio.get_running_loop()

            def wake_outbox() -> None:
                loop.call_soon_threadsafe(self.outbox_wake.set)

            self.worker = TaskWorker(self.name, on_settled=wake_outbox)
            self._tasks.append(
                asyncio.create_task(self.worker.run_forever(self._stop), name="agent-worker")
            )
            # The outbox is delivered where tasks run. A process that does not run them (a web
            # worker or the intake, AGENT_RUN_WORKER=false) leaves what it queues to
            # `scholarlink worker`: polling it from every web process as well cost each a
            # claim query twice a second and ~6 % of its CPU under load, for nothing it alone
            # could send.
            self._tasks.append(asyncio.create_task(self._outbox_loop(), name="agent-outbox"))
        else:  # its /metrics still tells the outbox's depth, recounted every 10 s
            self._tasks.append(asyncio.create_task(self._gauge_loop(), name="agent-outbox-gauges"))
        if settings.command_center_url and run_scheduler:
            await asyncio.to_thread(heartbeat.register, uuid.uuid4().hex)
            self._scheduler = AsyncIOScheduler()
            self._scheduler.add_job(
                self._heartbeat,
                "interval",
                seconds=settings.heartbeat_interval_seconds,
                jitter=min(5, settings.heartbeat_interval_seconds // 4),  # "a little jitter"
                id="heartbeat",
                max_instances=1,
                coalesce=True,
            )
            self._scheduler.start()
            self._tasks.append(asyncio.create_task(self._heartbeat(), name="agent-first-heartbeat"))
        log.info(
            "agent runtime started", extra={"mode": settings.bridge_mode, "worker": run_worker}
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.worker is not None:
            self.worker.close()
        if self._client is not None:
            self._client.close()


RUNTIME: AgentRuntime | None = None


@contextlib.asynccontextmanager
async def agent_lifespan() -> AsyncIterator[None]:
    """Registered with Reflex's app lifespan."""
    global RUNTIME
    runtime = AgentRuntime()
    RUNTIME = runtime
    await runtime.start(run_worker=get_settings().agent_run_worker)
    try:
        yield
    finally:
        await runtime.stop()
        RUNTIME = None


async def run_standalone_worker(stop: asyncio.Event | None = None) -> None:
    """`scholarlink worker`: the task worker, the outbox dispatcher and the heartbeat (which
    sends from whichever process holds its lease)."""
    global RUNTIME
    runtime = AgentRuntime()
    RUNTIME = runtime
    await runtime.start(run_worker=True, run_scheduler=True)
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await runtime.stop()
