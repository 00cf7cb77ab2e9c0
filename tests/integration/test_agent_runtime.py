"""Where the outbox is delivered: by the processes that run tasks (`scholarlink worker`, or the
embedded app), not by every web process beside them (AGENT_RUN_WORKER=false), which still
tells the outbox's depth on its /metrics."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client import REGISTRY

from scholarlink.agent import outbox
from scholarlink.agent.runtime import AgentRuntime
from scholarlink.agent.simulator import CommandCenter
from scholarlink.core.db import session_scope
from scholarlink.models import OutboxMessage
from tests.integration.conftest import bridge_env


def _run(*, run_worker: bool, until: float) -> None:
    async def main() -> None:
        runtime = AgentRuntime()
        await runtime.start(run_worker=run_worker)
        try:
            await asyncio.sleep(until)
        finally:
            await runtime.stop()

    # On a thread of its own: the browser tests' sync Playwright leaves an event loop running on
    # the main thread of this pytest process.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(main())).result()


def _message(message_id: int) -> OutboxMessage:
    with session_scope() as s:
        row = s.get(OutboxMessage, message_id)
        assert row is not None
        return row


def test_only_a_process_that_runs_tasks_delivers_the_outbox(
    db: str,
    command_center: tuple[CommandCenter, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cc, cc_url = command_center
    bridge_env(monkeypatch, None)  # no Command Center URL: no heartbeat of its own
    with session_scope() as s:
        row = outbox.enqueue(
            s,
            kind="callback",
            destination=f"{cc_url}/orchestrator/tasks/callback",
            payload={"task_id": "runtime-1", "status": "succeeded", "result": {}},
            message_id="callback:runtime-1:succeeded",
            task_id="runtime-1",
        )
        assert row is not None and row.id is not None
        message_id = row.id

    _run(run_worker=False, until=1.5)  # a web process: three of the old half-second passes
    untouched = _message(message_id)
    assert (untouched.status, untouched.attempts) == ("pending", 0)
    assert REGISTRY.get_sample_value("agent_outbox_depth") == 1.0  # but its depth is told

    _run(run_worker=True, until=1.5)  # `scholarlink worker`
    sent = _message(message_id)
    assert sent.attempts >= 1 and sent.last_status_code is not None, sent
    assert cc.wait_for(lambda: cc.callbacks_for("runtime-1"), timeout=5)
