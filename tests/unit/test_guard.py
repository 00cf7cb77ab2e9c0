"""The handler guard runs plain handlers on its own threads, not on the worker's event loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from scholarlink.services.errors import NotFound
from scholarlink.state.guard import guarded


class _Tab:
    """Stands for a page state: the guard only passes it on."""

    value = 0


def test_a_plain_handler_runs_off_the_event_loop_and_its_changes_stay() -> None:
    threads: dict[str, str] = {}

    def handler(self: Any, amount: int) -> int:
        threads["handler"] = threading.current_thread().name
        self.value += amount
        return int(self.value)

    wrapped = guarded(handler)
    tab = _Tab()

    async def main() -> Any:
        threads["loop"] = threading.current_thread().name
        return await wrapped(tab, amount=2)

    assert asyncio.run(main()) == 2
    assert tab.value == 2
    assert threads["handler"].startswith("event-handler")
    assert threads["handler"] != threads["loop"]


def test_the_loop_serves_others_while_a_handler_waits() -> None:
    release = threading.Event()

    def slow(self: Any) -> str:
        release.wait(5)  # stands for a database round trip
        return "done"

    wrapped = guarded(slow)

    async def main() -> tuple[str, bool]:
        pending = asyncio.ensure_future(wrapped(_Tab()))
        await asyncio.sleep(0.05)
        served = not pending.done()  # the loop got here while the handler was still waiting
        release.set()
        return await pending, served

    result, served = asyncio.run(main())
    assert result == "done" and served


def test_refused_arguments_and_service_errors_answer_without_raising() -> None:
    ran: list[int] = []

    def handler(self: Any, match_id: int) -> None:
        ran.append(match_id)
        raise NotFound("No such match")

    wrapped = guarded(handler)
    refused = asyncio.run(wrapped(_Tab(), match_id=2**70))
    failed = asyncio.run(wrapped(_Tab(), match_id=3))
    assert ran == [3]  # the refused call never ran
    assert refused is not None and failed is not None
