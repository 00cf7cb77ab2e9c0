"""Circuit breakers: stop calling a dependency that keeps failing, try again after a pause.

Each breaker is registered by name so `/api/health/reliability` can show every one of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from scholarlink.core.clock import utcnow

State = Literal["closed", "open", "half_open"]
T = TypeVar("T")
# Told (name, state) when a breaker is created and at every transition (the metrics gauge).
StateWatcher = Callable[[str, State], None]
_watchers: list[StateWatcher] = []


def watch_breakers(watcher: StateWatcher) -> None:
    """Call `watcher` at every transition from now on, and once now for every breaker there is."""
    _watchers.append(watcher)
    for b in all_breakers():
        watcher(b.name, b.snapshot()["state"])


def _tell(name: str, state: State) -> None:
    for watcher in _watchers:
        watcher(name, state)


class CircuitOpen(RuntimeError):
    """Raised instead of calling a dependency whose breaker is open."""

    def __init__(self, name: str, retry_in: float) -> None:
        super().__init__(f"{name} is unavailable (circuit open, retry in {retry_in:.0f}s)")
        self.name = name
        self.public_name = name
        self.retry_in = retry_in


class CircuitBreaker:
    def __init__(self, name: str, *, failure_threshold: int = 5, reset_after: float = 30.0) -> None:
        self.name = name
        # Unauthenticated views name the kind of dependency only ("command-center", "oidc"):
        # whatever follows the first colon may be a destination.
        self.public_name = name.split(":", 1)[0]
        self.failure_threshold = failure_threshold
        self.reset_after = reset_after
        self._lock = threading.Lock()
        self._state: State = "closed"
        self._opened_at = 0.0
        self._consecutive = 0
        self._failures = 0
        self._successes = 0
        self._last_transition = utcnow()
        self._last_error: str | None = None
        self._probe_in_flight = False
        _tell(name, "closed")

    def _transition(self, state: State) -> None:
        self._state = state
        self._last_transition = utcnow()
        _tell(self.name, state)

    def before_call(self) -> None:
        """Raise CircuitOpen when calls should not go through; lets one probe through after
        `reset_after` seconds (half-open)."""
        with self._lock:
            if self._state == "open":
                waited = time.monotonic() - self._opened_at
                if waited < self.reset_after:
                    raise CircuitOpen(self.name, self.reset_after - waited)
                self._transition("half_open")
                self._probe_in_flight = False
            if self._state == "half_open":
                if self._probe_in_flight:
                    raise CircuitOpen(self.name, 1)
                self._probe_in_flight = True

    def record_success(self) -> None:
        with self._lock:
            self._successes += 1
            self._consecutive = 0
            self._probe_in_flight = False
            if self._state != "closed":
                self._transition("closed")

    def call(
        self,
        fn: Callable[[], T],
        *,
        outage: Callable[[BaseException], bool] = lambda _exc: True,
        failure: Callable[[T], str | None] = lambda _result: None,
    ) -> T:
        """Run `fn` behind this breaker: the one wrapper every caller of a dependency uses.

        Raises CircuitOpen instead of calling while the breaker is open. What `fn` raises is
        re-raised after counting: as a failure when `outage(exc)` (the dependency is down), as a
        success otherwise (it answered, with a refusal). A returned value counts as a failure
        when `failure(result)` names one (an answer that says the dependency is down)."""
        self.before_call()
        try:
            result = fn()
        except BaseException as exc:
            if outage(exc):
                self.record_failure(exc)
            else:
                self.record_success()
            raise
        down = failure(result)
        if down is not None:
            self.record_failure(down)
        else:
            self.record_success()
        return result

    def record_failure(self, error: BaseException | str) -> None:
        with self._lock:
            self._failures += 1
            self._consecutive += 1
            self._last_error = str(error)[:300]
            self._probe_in_flight = False
            if self._state == "half_open" or self._consecutive >= self.failure_threshold:
                self._opened_at = time.monotonic()
                if self._state != "open":
                    self._transition("open")

    @property
    def state(self) -> State:
        with self._lock:
            if self._state == "open" and time.monotonic() - self._opened_at >= self.reset_after:
                return "half_open"
            return self._state

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "name": self.name,
                "state": self._state,
                "consecutive_failures": self._consecutive,
                "total_failures": self._failures,
                "total_successes": self._successes,
                "failure_threshold": self.failure_threshold,
                "reset_after_seconds": self.reset_after,
                "last_transition": self._last_transition.isoformat(),
                "last_error": self._last_error,
            }

    def public_snapshot(self) -> dict[str, Any]:
        """What anyone may see: the kind of dependency and its state, no destination, no error."""
        view = self.snapshot()
        return {
            "name": self.public_name,
            "state": self.state,
            "consecutive_failures": view["consecutive_failures"],
            "total_failures": view["total_failures"],
            "total_successes": view["total_successes"],
            "last_transition": view["last_transition"],
        }

    def reset(self) -> None:
        with self._lock:
            self._consecutive = 0
            self._probe_in_flight = False
            self._transition("closed")


_registry: dict[str, CircuitBreaker] = {}
_registry_lock = threading.Lock()


def breaker(
    name: str,
    *,
    failure_threshold: int | None = None,
    reset_after: float | None = None,
    public_name: str | None = None,
) -> CircuitBreaker:
    """The process-wide breaker called `name`, created on first use; thresholds given by its
    owner (the client that calls the dependency) apply even if someone looked it up first.
    `public_name` is what unauthenticated views show instead of a name that holds a destination."""
    with _registry_lock:
        found = _registry.get(name)
        if found is None:
            found = _registry[name] = CircuitBreaker(name)
        if public_name is not None:
            found.public_name = public_name
        if failure_threshold is not None:
            found.failure_threshold = failure_threshold
        if reset_after is not None:
            found.reset_after = reset_after
        return found


def all_breakers() -> list[CircuitBreaker]:
    with _registry_lock:
        return list(_registry.values())
