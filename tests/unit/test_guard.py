"""The handler guard: arguments checked before a handler runs; refusals and service errors answer
without raising."""

from __future__ import annotations

from typing import Any

from scholarlink.core.errors import NotFound
from scholarlink.state.guard import guarded


class _Tab:
    """Stands for a page state: the guard only passes it on."""

    value = 0


def test_a_plain_handler_keeps_its_changes() -> None:
    def handler(self: Any, amount: int) -> int:
        self.value += amount
        return int(self.value)

    tab = _Tab()
    assert guarded(handler)(tab, amount=2) == 2
    assert tab.value == 2


def test_refused_arguments_and_service_errors_answer_without_raising() -> None:
    ran: list[int] = []

    def handler(self: Any, match_id: int) -> None:
        ran.append(match_id)
        raise NotFound("No such match")

    wrapped = guarded(handler)
    refused = wrapped(_Tab(), match_id=2**70)
    failed = wrapped(_Tab(), match_id=3)
    assert ran == [3]  # the refused call never ran
    assert refused is not None and failed is not None
