"""The handler guard: arguments checked before a handler runs; refusals and service errors answer
without raising; plain handlers run on handler threads, not on the worker's event loop, and a
cancelled event never leaves its handler's body running after it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

import pytest

from scholarlink.core.errors import NotFound
from scholarlink.state.guard import guarded


def _run(coroutine: Any) -> Any:
    """Run a coroutine on its own loop in its own thread: in the whole suite the browser tests'
    Playwright (sync API) keeps an event loop running in the main thread, where asyncio.run
    refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class _Tab:
    """Stands for a page state: the guard only passes it on."""

    value = 0


def test_a_plain_handler_runs_off_the_event_loop_and_its_changes_stay() -> None:
    threads: dict[str, str] = {}

    def handler(self: Any, amount: int) -> int:
        threads["handler"] = threading.current_thread().name
        self.value += amount
        return int(self.value)

    tab = _Tab()

    async def main() -> Any:
        threads["loop"] = threading.current_thread().name
        return await guarded(handler)(tab, amount=2)

    assert _run(main()) == 2
    assert tab.value == 2
    assert threads["handler"].startswith("event-handler")
    assert threads["handler"] != threads["loop"]


def test_the_loop_serves_others_while_a_handler_waits() -> None:
    release = threading.Event()

    def slow(self: Any) -> str:
        release.wait(5)  # stands for a database round trip
        return "done"

    async def main() -> tuple[bool, str]:
        task = asyncio.create_task(guarded(slow)(_Tab()))
        await asyncio.sleep(0.05)
        served = not task.done()  # the loop runs this while the handler waits
        release.set()
        return served, await task

    assert _run(main()) == (True, "done")


def test_a_cancelled_event_waits_for_its_handler_body_and_emits_nothing() -> None:
    started, release = threading.Event(), threading.Event()
    events: list[str] = []

    def slow(self: Any) -> str:
        started.set()
        release.wait(5)
        events.append("body ended")
        return "redirect"

    async def main() -> None:
        task = asyncio.create_task(guarded(slow)(_Tab()))
        await asyncio.to_thread(started.wait, 5)
        task.cancel()  # Reflex cancels a superseded page load, or a disconnected tab's
        await asyncio.sleep(0.05)
        assert not task.done()  # still holding the tab: the body runs
        task.cancel()  # a second cancellation changes nothing
        await asyncio.sleep(0.05)
        assert not task.done()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        events.append("task ended")

    _run(main())
    assert events == ["body ended", "task ended"]


def test_refused_arguments_and_service_errors_answer_without_raising() -> None:
    ran: list[int] = []

    def handler(self: Any, match_id: int) -> None:
        ran.append(match_id)
        raise NotFound("No such match")

    async def main() -> tuple[Any, Any]:
        wrapped = guarded(handler)
        return await wrapped(_Tab(), match_id=2**70), await wrapped(_Tab(), match_id=3)

    refused, failed = _run(main())
    assert ran == [3]  # the refused call never ran
    assert refused is not None and failed is not None
