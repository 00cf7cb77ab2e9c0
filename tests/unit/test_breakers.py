"""CircuitBreaker.call, the one wrapper around a dependency."""

from __future__ import annotations

import pytest

from scholarlink.core.breakers import CircuitBreaker, CircuitOpen


class Down(Exception):
    pass


class Refused(Exception):
    pass


def test_outages_open_the_breaker_and_refusals_do_not() -> None:
    guard = CircuitBreaker("unit-call", failure_threshold=2, reset_after=60)

    def refuse() -> None:
        raise Refused

    def fail() -> None:
        raise Down

    def is_outage(exc: BaseException) -> bool:
        return isinstance(exc, Down)

    for _ in range(3):
        with pytest.raises(Refused):
            guard.call(refuse, outage=is_outage)
    assert guard.state == "closed"
    for _ in range(2):
        with pytest.raises(Down):
            guard.call(fail, outage=is_outage)
    assert guard.state == "open"
    with pytest.raises(CircuitOpen):
        guard.call(lambda: 1)


def test_a_returned_answer_can_say_the_dependency_is_down() -> None:
    guard = CircuitBreaker("unit-call-result", failure_threshold=1, reset_after=60)
    assert guard.call(lambda: 200, failure=lambda s: None if s < 500 else str(s)) == 200
    assert guard.snapshot()["total_successes"] == 1
    assert guard.call(lambda: 503, failure=lambda s: None if s < 500 else str(s)) == 503
    assert guard.state == "open" and guard.snapshot()["last_error"] == "503"


def test_an_unexpected_error_in_a_probe_does_not_wedge_the_breaker() -> None:
    # Whatever `fn` raises is counted (an outage by default): a probe that fails with an error
    # nobody anticipated reopens the breaker instead of leaving the half-open probe in flight
    # for ever, so the next call after `reset_after` is a fresh probe.
    guard = CircuitBreaker("unit-call-probe", failure_threshold=1, reset_after=0)

    def fail() -> None:
        raise Down

    def broken() -> None:
        raise TypeError("a bug, not an outage anyone listed")

    with pytest.raises(Down):
        guard.call(fail)
    for _ in range(2):
        with pytest.raises(TypeError):
            guard.call(broken)
        assert guard.snapshot()["state"] == "open"
    assert guard.call(lambda: "back") == "back"
    assert guard.state == "closed"
